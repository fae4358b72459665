/**
 * Hosts running the qemu driver inside a real agent (in-process), enrolled to a real server, and
 * commands sent to them through tRPC as the dashboard does. Used by the vm-commands and
 * live-migration system tests.
 */
import { Agent } from "../../apps/agent/src/agent.js";
import { ProcHostCollector } from "../../apps/agent/src/collectors/host-proc.js";
import { createQemuDriver, type QemuDriver } from "../../apps/agent/src/drivers/qemu/index.js";
import { enrollAgent } from "../../apps/agent/src/enroll.js";
import type { Logger } from "../../apps/agent/src/logger.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import type { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import type { SeededDatabase } from "./postgres.js";
import { newVmStateDir } from "./qemu.js";
import { waitFor } from "./wait-for.js";

export interface VmHost {
  hostId: string;
  stateDir: string;
  driver: QemuDriver;
  agent: Agent;
}

/** Enrols a host and starts its agent with the qemu driver (QEMU under `launcher`, e.g. in a netns). */
export async function startVmHost(
  db: SeededDatabase,
  serverUrl: string,
  logger: Logger,
  launcher: string[] = [],
): Promise<VmHost> {
  const stateDir = newVmStateDir();
  const hostCollector = new ProcHostCollector({ stateDir });
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  // Each test host needs its own machine id, or both would be one host.
  const facts = await hostCollector.hostFacts();
  const credentials = await enrollAgent({
    server: serverUrl,
    token,
    stateDir,
    host: { ...facts, machineId: `${facts.machineId}-${stateDir.slice(-6)}`, drivers: ["proc", "qemu"] },
    logger,
  });
  const driver = createQemuDriver({ stateDir, logger, launcher, powerdownTimeoutMs: 10_000 });
  const agent = new Agent({
    stateDir,
    credentials,
    intervalMs: 1000,
    hostCollector,
    drivers: [driver],
    logger,
    spoolMaxBytes: 8 * 1024 * 1024,
  });
  await agent.start();
  await waitFor(
    async () => (await db.prisma.host.findUnique({ where: { id: credentials.hostId } }))?.status === "online",
    30_000,
  );
  return { hostId: credentials.hostId, stateDir, driver, agent };
}

export interface CommandOutcome {
  id: string;
  state: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

/** Requests a command through tRPC and waits for it to end; the tRPC error when refused. */
export async function runCommand(
  session: TrpcSession,
  hostId: string,
  command: { name: string; payload: Record<string, unknown> },
  timeoutMs = 60_000,
): Promise<CommandOutcome> {
  const res = await session.mutate<{ id: string }>("commands.request", { hostId, command });
  if (!res.data) throw new Error(`refused: ${res.error?.data.code} ${res.error?.message}`);
  const id = res.data.id;
  let last: CommandOutcome | undefined;
  await waitFor(
    async () => {
      last = (await session.query<CommandOutcome>("commands.get", { id })).data;
      return ["succeeded", "failed", "timed_out", "cancelled"].includes(last?.state ?? "");
    },
    timeoutMs,
    () => `${command.name} did not end: ${JSON.stringify(last)}`,
  );
  return last as CommandOutcome;
}

/** The Workload row of a VM by its uuid, whichever host owns it. */
export async function vmRow(db: SeededDatabase, uuid: string) {
  const rows = await db.prisma.workload.findMany({ where: { externalId: uuid, removedAt: null } });
  return rows;
}
