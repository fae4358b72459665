// `npm start`: a whole Flotilla on this machine. Starts PostgreSQL (embedded unless
// DATABASE_URL is set), applies migrations, seeds the demo organisation, runs the server,
// one real agent for this machine and a simulated fleet, and stops all of it on Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { applyMigrations, createPrisma, seedDemo, startEmbeddedPostgres } from "@flotilla/db";
import { z } from "zod";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { waitForHttp } from "./wait.js";

const ROOT = resolve(import.meta.dirname, "..", "..");

const configSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  FLOTILLA_DATA_DIR: z.string().default(join(ROOT, ".flotilla")),
  FLOTILLA_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  FLOTILLA_SIM_HOSTS: z.coerce.number().int().min(0).max(10_000).default(20),
  FLOTILLA_LOCAL_AGENT: z.enum(["on", "off"]).default("on"),
  FLOTILLA_INTERVAL_MS: z.coerce.number().int().min(1000).default(5000),
  FLOTILLA_DEMO_EMAIL: z.string().email().default("admin@flotilla.local"),
  FLOTILLA_DEMO_PASSWORD: z.string().min(8).default("flotilla-demo"),
  /** Agents log only problems by default: 21 agents' connection chatter would bury the server's lines. */
  FLOTILLA_AGENT_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error"]).default("warn"),
});

function readConfig() {
  const parsed = configSchema.safeParse(process.env);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) console.error(`config: ${issue.path.join(".")}: ${issue.message}`);
  process.exit(2);
}

const config = readConfig();
const children: ChildProcess[] = [];
const stoppers: Array<() => Promise<void>> = [];
let stopping = false;

function launch(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${code ?? signal}); stopping everything`);
    void shutdown(1);
  });
  children.push(child);
  return child;
}

/** Stop in reverse order of start: agents, then the server, then PostgreSQL last. */
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nstopping…");
    for (const child of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await new Promise<void>((done) => {
          const timer = setTimeout(() => {
            child.kill("SIGKILL");
            done();
          }, 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            done();
          });
        });
      }
    }
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
  }
  process.exit(code);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

const AGENT_BIN = join(ROOT, "apps/agent/dist/flotilla-agent.mjs");
const AGENT_ENV = { FLOTILLA_LOG_LEVEL: config.FLOTILLA_AGENT_LOG_LEVEL };

async function enrollIfNeeded(stateDir: string, serverUrl: string, orgId: string, teamId: string) {
  if (existsSync(join(stateDir, "credentials.json"))) return;
  const prisma = createPrisma(databaseUrl);
  try {
    const { token } = await createEnrollmentToken(prisma, { orgId, teamId, ttlMs: 10 * 60_000 });
    const child = spawn(
      process.execPath,
      [AGENT_BIN, "enroll", "--server", serverUrl, "--token", token, "--state-dir", stateDir],
      {
        stdio: "inherit",
      },
    );
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    if (code !== 0) throw new Error(`enrolling the agent in ${stateDir} failed (exit ${code})`);
  } finally {
    await prisma.$disconnect();
  }
}

async function simTokens(count: number, dir: string, orgId: string, teamId: string): Promise<string> {
  const prisma = createPrisma(databaseUrl);
  const tokens: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      if (existsSync(join(dir, `sim-${i}`, "credentials.json"))) continue;
      tokens.push((await createEnrollmentToken(prisma, { orgId, teamId, ttlMs: 10 * 60_000 })).token);
    }
  } finally {
    await prisma.$disconnect();
  }
  const file = join(dir, "tokens.json");
  writeFileSync(file, JSON.stringify(tokens), { mode: 0o600 });
  return file;
}

mkdirSync(config.FLOTILLA_DATA_DIR, { recursive: true });
let databaseUrl = config.DATABASE_URL ?? "";
if (!databaseUrl) {
  console.log(`› starting embedded PostgreSQL (data in ${join(config.FLOTILLA_DATA_DIR, "pg")})`);
  const pg = await startEmbeddedPostgres({
    dataDir: join(config.FLOTILLA_DATA_DIR, "pg"),
    port: config.FLOTILLA_PG_PORT,
  });
  databaseUrl = pg.url;
  stoppers.push(pg.stop);
}

console.log("› applying migrations");
await applyMigrations(databaseUrl);
const prisma = createPrisma(databaseUrl);
const demo = await seedDemo(prisma, {
  email: config.FLOTILLA_DEMO_EMAIL,
  password: config.FLOTILLA_DEMO_PASSWORD,
  orgName: "Demo",
});
await prisma.$disconnect();

/**
 * The key that encrypts registry logins and webhook secrets at rest. Made once per data
 * directory (so a restart can still decrypt what it stored); FLOTILLA_SECRET_KEY wins when set.
 */
function localSecretKey(): string {
  if (process.env.FLOTILLA_SECRET_KEY) return process.env.FLOTILLA_SECRET_KEY;
  const file = join(config.FLOTILLA_DATA_DIR, "secret-key");
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

const serverUrl = `http://127.0.0.1:${config.PORT}`;
console.log("› starting the server");
launch("server", ["--import", "tsx", join(ROOT, "apps/web/server.ts")], {
  DATABASE_URL: databaseUrl,
  PORT: String(config.PORT),
  NODE_ENV: "production",
  FLOTILLA_SECRET_KEY: localSecretKey(),
});
await waitForHttp(`${serverUrl}/healthz`, 120_000);

const agentsDir = join(config.FLOTILLA_DATA_DIR, "agents");
mkdirSync(agentsDir, { recursive: true });
const interval = String(config.FLOTILLA_INTERVAL_MS);
if (config.FLOTILLA_LOCAL_AGENT === "on") {
  const localDir = join(agentsDir, "local");
  await enrollIfNeeded(localDir, serverUrl, demo.orgId, demo.teamId);
  launch("agent", [AGENT_BIN, "run", "--state-dir", localDir, "--interval-ms", interval], AGENT_ENV);
}
if (config.FLOTILLA_SIM_HOSTS > 0) {
  const simDir = join(agentsDir, "sim");
  mkdirSync(simDir, { recursive: true });
  const tokenFile = await simTokens(config.FLOTILLA_SIM_HOSTS, simDir, demo.orgId, demo.teamId);
  launch(
    "sim",
    [
      AGENT_BIN,
      "sim",
      "--server",
      serverUrl,
      "--count",
      String(config.FLOTILLA_SIM_HOSTS),
      "--state-dir",
      simDir,
      "--token-file",
      tokenFile,
      "--interval-ms",
      interval,
    ],
    AGENT_ENV,
  );
}

console.log(`
  \x1b[1mFlotilla is running\x1b[0m  →  http://localhost:${config.PORT}
  sign in as  ${config.FLOTILLA_DEMO_EMAIL}  /  ${config.FLOTILLA_DEMO_PASSWORD}
  fleet: this machine + ${config.FLOTILLA_SIM_HOSTS} simulated hosts · Ctrl-C stops everything
`);
