/** The long-lived things request handlers and the gateway share, built once in app-server.ts. */
import type { createPrisma } from "@flotilla/db";
import type { Pool } from "pg";
import type { SignInLimits } from "./auth/sign-in.js";
import type { Config } from "./env.js";
import type { JobQueue } from "./jobs/queue.js";
import type { LivePublisher } from "./live/publisher.js";
import type { Logger } from "./logger.js";

export type PrismaClient = ReturnType<typeof createPrisma>;

export interface Services {
  config: Config;
  log: Logger;
  prisma: PrismaClient;
  /** Raw pg pool for the metrics tables (kept off Prisma on purpose). */
  pool: Pool;
  live: LivePublisher;
  signInLimits: SignInLimits;
  /** Durable background jobs (pg-boss); define queues before app-server starts it. */
  jobs: JobQueue;
}
