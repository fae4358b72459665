// Real QEMU hosts for the VM browser tests: agents with the qemu driver run inside the test
// worker (each with its own state dir and machine id, so they are two hosts), enrolled with
// tokens the signed-in owner makes through the API, as an operator would in the dashboard.
import { join } from "node:path";
import { Agent } from "../../apps/agent/src/agent.js";
import { ProcHostCollector } from "../../apps/agent/src/collectors/host-proc.js";
import type { Driver } from "../../apps/agent/src/drivers/driver.js";
import { createQemuDriver } from "../../apps/agent/src/drivers/qemu/index.js";
import { enrollAgent } from "../../apps/agent/src/enroll.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { createDisk, ensureGuest, newVmStateDir } from "../support/qemu.js";
import { runCommand } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";
import { e2eEnv } from "./session.js";

const logger = createSilentLogger();

export interface E2eVmHost {
  hostId: string;
  name: string;
  agent: Agent;
}

/** The owner, signed in to the API (not the browser): for setup only. */
export async function ownerSession(): Promise<TrpcSession> {
  const session = new TrpcSession(e2eEnv("FLOTILLA_E2E_URL"));
  const res = await session.mutate("auth.signIn", {
    email: e2eEnv("FLOTILLA_E2E_EMAIL"),
    password: e2eEnv("FLOTILLA_E2E_PASSWORD"),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(res.error)}`);
  return session;
}

/**
 * An in-process agent with one VM driver, enrolled as a host of its own (own state dir and
 * machine id) with a token the owner makes through the API; resolves once the host is online.
 */
export async function startInProcessVmHost(
  owner: TrpcSession,
  driverName: "qemu" | "libvirt",
  makeDriver: (stateDir: string) => Driver,
  stateDir = newVmStateDir(),
): Promise<E2eVmHost & { stateDir: string }> {
  const made = await owner.mutate<{ token: string }>("enrollment.createToken", { ttlMinutes: 5 });
  if (!made.data) throw new Error(`no enrolment token: ${made.error?.message}`);
  const hostCollector = new ProcHostCollector({ stateDir });
  const facts = await hostCollector.hostFacts();
  const credentials = await enrollAgent({
    server: owner.baseUrl,
    token: made.data.token,
    stateDir,
    host: { ...facts, machineId: `${facts.machineId}-${stateDir.slice(-6)}`, drivers: ["proc", driverName] },
    logger,
  });
  const agent = new Agent({
    stateDir,
    credentials,
    intervalMs: 1000,
    hostCollector,
    drivers: [makeDriver(stateDir)],
    logger,
    spoolMaxBytes: 8 * 1024 * 1024,
  });
  await agent.start();
  let name = "";
  await waitFor(async () => {
    const host = (await owner.query<{ name: string; status: string }>("fleet.host", { id: credentials.hostId })).data;
    name = host?.name ?? "";
    return host?.status === "online";
  }, 30_000);
  return { hostId: credentials.hostId, name, agent, stateDir };
}

export function startQemuHost(owner: TrpcSession): Promise<E2eVmHost> {
  return startInProcessVmHost(owner, "qemu", (stateDir) =>
    createQemuDriver({ stateDir, logger, powerdownTimeoutMs: 20_000 }),
  );
}

/** A blank template disk on this machine (the hosts share its file system). */
export function templateDisk(): string {
  return createDisk(join(newVmStateDir(), "template.qcow2"), 32);
}

/**
 * The tiny test guest (acpid answers ACPI shutdown), created and started through the API; resolves
 * with its workload id once it runs and its kernel has had time to boot.
 */
export async function startGuest(owner: TrpcSession, host: E2eVmHost, name: string): Promise<string> {
  const guest = ensureGuest();
  const created = await runCommand(owner, host.hostId, {
    name: "vm.create",
    payload: {
      name,
      templateDisk: templateDisk(),
      memoryMiB: 128,
      network: { mode: "none" },
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      start: true,
    },
  });
  if (created.state !== "succeeded") throw new Error(`vm.create: ${JSON.stringify(created.error)}`);
  const uuid = created.result?.workloadId as string;
  let id = "";
  await waitFor(async () => {
    const list = (
      await owner.query<{ id: string; externalId: string; state: string }[]>("fleet.workloads", {
        hostId: host.hostId,
      })
    ).data;
    const row = list?.find((w) => w.externalId === uuid);
    id = row?.id ?? "";
    return row?.state === "running";
  }, 30_000);
  return id;
}
