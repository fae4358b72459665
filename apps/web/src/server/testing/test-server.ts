/**
 * For integration tests: a throw-away PostgreSQL (migrated), a seeded organisation with an
 * owner, and the real app server in-process on a random loopback port, API only.
 */
import { createPrisma, seedDemo } from "@flotilla/db";
import { startTestDatabase, type TestDatabase } from "@flotilla/db/testing";
import { pino } from "pino";
import { type AppServer, createAppServer } from "../app-server.js";
import { parseConfig } from "../env.js";
import type { PrismaClient } from "../services.js";

export interface TestServer {
  db: TestDatabase;
  prisma: PrismaClient;
  server: AppServer;
  url: string;
  owner: { email: string; password: string; orgId: string; teamId: string; userId: string };
  stop(): Promise<void>;
}

let orgCounter = 0;

export function silentLogger() {
  return pino({ level: "silent" });
}

/** Another organisation with its own owner, for isolation tests. */
export async function seedOrg(prisma: PrismaClient, label: string) {
  const unique = `${label}-${process.pid}-${Date.now()}-${orgCounter++}`;
  const email = `${unique}@example.test`;
  const password = `pw-${unique}`;
  const seeded = await seedDemo(prisma, { email, password, orgName: unique });
  return { email, password, ...seeded };
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await startTestDatabase();
  const prisma = createPrisma(db.url);
  const owner = await seedOrg(prisma, "owner");
  const config = parseConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    NODE_ENV: "test",
    FLOTILLA_UI: "off",
    ...env,
  });
  const server = createAppServer(config, { logger: silentLogger() });
  await server.start();
  return {
    db,
    prisma,
    server,
    url: server.url,
    owner,
    async stop() {
      await server.stop();
      await prisma.$disconnect();
      // pg's Pool.end() resolves before its sockets have closed; stopping PostgreSQL at once
      // can then raise an unhandled 57P01 on a closing client. Give them a moment.
      await new Promise((r) => setTimeout(r, 200));
      await db.stop();
    },
  };
}
