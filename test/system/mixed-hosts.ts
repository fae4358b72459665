/**
 * Test hosts for the cold-migration and evacuation system tests: an in-process agent (as
 * test/support/vm-hosts.ts makes) with a docker driver on a private dockerd and, when asked, the
 * qemu driver too (QEMU under `launcher`, e.g. in a network namespace). Each host gets its own
 * state directory and machine id, so two of them on one machine are two hosts to the server.
 */
import { Agent } from "../../apps/agent/src/agent.js";
import { ProcHostCollector } from "../../apps/agent/src/collectors/host-proc.js";
import { DockerDriver } from "../../apps/agent/src/drivers/docker/index.js";
import type { Driver } from "../../apps/agent/src/drivers/driver.js";
import { createQemuDriver, type QemuDriver } from "../../apps/agent/src/drivers/qemu/index.js";
import { enrollAgent } from "../../apps/agent/src/enroll.js";
import type { Logger } from "../../apps/agent/src/logger.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import type { ContainerEngine } from "../support/container-engines.js";
import type { SeededDatabase } from "../support/postgres.js";
import { newVmStateDir } from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";

export interface MixedHost {
  hostId: string;
  agent: Agent;
  docker: DockerDriver;
  qemu?: QemuDriver;
}

export async function startMixedHost(
  db: SeededDatabase,
  serverUrl: string,
  logger: Logger,
  engine: ContainerEngine,
  qemu?: { launcher: string[] },
): Promise<MixedHost> {
  const stateDir = newVmStateDir();
  const hostCollector = new ProcHostCollector({ stateDir });
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  const facts = await hostCollector.hostFacts();
  const credentials = await enrollAgent({
    server: serverUrl,
    token,
    stateDir,
    host: {
      ...facts,
      machineId: `${facts.machineId}-${stateDir.slice(-6)}`,
      drivers: qemu ? ["proc", "qemu", "docker"] : ["proc", "docker"],
    },
    logger,
  });
  const docker = new DockerDriver({ socketPath: engine.socketPath, logger });
  const vm = qemu
    ? createQemuDriver({ stateDir, logger, launcher: qemu.launcher, powerdownTimeoutMs: 10_000 })
    : undefined;
  const drivers: Driver[] = vm ? [vm, docker] : [docker];
  const agent = new Agent({
    stateDir,
    credentials,
    intervalMs: 1000,
    hostCollector,
    drivers,
    logger,
    spoolMaxBytes: 8 << 20,
  });
  await agent.start();
  await waitFor(
    async () => (await db.prisma.host.findUnique({ where: { id: credentials.hostId } }))?.status === "online",
    30_000,
  );
  return { hostId: credentials.hostId, agent, docker, ...(vm ? { qemu: vm } : {}) };
}

/** The published host port of a container's `containerPort`, as the server's inventory has it. */
export async function publishedPort(db: SeededDatabase, workloadId: string, containerPort = 80) {
  const row = await db.prisma.workload.findUnique({ where: { id: workloadId } });
  const ports = (row?.ports ?? []) as Array<{ containerPort: number; hostPort?: number }>;
  return ports.find((p) => p.containerPort === containerPort && p.hostPort)?.hostPort;
}

/** What a container's HTTP server answers on 127.0.0.1:`port`, or undefined. */
export async function fetchText(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}
