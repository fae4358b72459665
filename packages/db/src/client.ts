// The Prisma client for relational state (inventory, users, commands...). Prisma 7 talks to
// PostgreSQL through a driver adapter; metrics samples bypass Prisma entirely (see samples.ts).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.js";

// Row types of the models (Host, Workload, ...), for code that passes Prisma results around.
export type {
  Agent,
  AuditEntry,
  Blob,
  Command,
  CommandEvent,
  Deployment,
  DeploymentReplica,
  EnrollmentToken,
  Host,
  HostEvent,
  Organization,
  OrgMember,
  PrismaClient,
  Session,
  Stack,
  Team,
  User,
  Workload,
  WorkloadStateChange,
} from "./generated/prisma/client.js";
export { CommandState, HostStatus, OrgRole, Prisma, WorkloadKind } from "./generated/prisma/client.js";

export interface CreatePrismaOptions {
  /** Connections in this client's own pool (pg's default is 10). */
  maxConnections?: number;
}

export function createPrisma(databaseUrl: string, options: CreatePrismaOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections });
  return new PrismaClient({ adapter });
}
