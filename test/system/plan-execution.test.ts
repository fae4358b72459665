// Consolidation executed on real QEMU guests: three hosts (in-process agents with the qemu
// driver, each host's QEMUs in its own network namespace, the three joined by a bridge in a
// fourth "switch" namespace), one 128 MiB test guest on each. The hosts' usable sizes are set
// with capacity labels (300 MB: two guests fit, three do not), so the planner packs the fleet
// onto two hosts. plans.create -> approve -> the executor live-migrates -> one host ends empty,
// every guest answers HTTP on its new host, the Workload rows and the plan's moves say so.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { MigrationView } from "../../apps/web/src/server/migrations/migration-view.js";
import type { PlanView } from "../../apps/web/src/server/plans/plan-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { NetnsPoller } from "../support/netns.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { createDisk, ensureGuest, hasQemu, janitor, newVmStateDir } from "../support/qemu.js";
import { runCommand, startVmHost, type VmHost } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";

const logger = createSilentLogger();
const PORTS = [8080, 8081, 8082];
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let net: NetnsTrio;
const hosts: Array<VmHost & { ns: string }> = [];
/** Per guest: its Workload id, driver id and forwarded port. */
const guests: Array<{ id: string; uuid: string; port: number; from: string }> = [];

interface NetnsTrio {
  hosts: Array<{ ns: string; ip: string; launcher: string[] }>;
  remove(): void;
}

/** Three namespaces, each with a veth to a bridge in a switch namespace (10.232.0.1-3/24). */
function createNetnsTrio(): NetnsTrio {
  const id = `flp${randomBytes(3).toString("hex")}`;
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
  const sw = `${id}s`;
  const names = [sw];
  const remove = () => {
    for (const ns of names) {
      const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
      for (const pid of pids.split(/\s+/).filter(Boolean)) spawnSync("kill", ["-9", pid]);
      spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    }
  };
  process.on("exit", remove);
  ip("netns", "add", sw);
  ip("-n", sw, "link", "add", "br0", "type", "bridge");
  ip("-n", sw, "link", "set", "br0", "up");
  const trio = [1, 2, 3].map((n) => {
    const ns = `${id}${n}`;
    names.push(ns);
    ip("netns", "add", ns);
    ip("link", "add", `${id}h${n}`, "netns", ns, "type", "veth", "peer", "name", `${id}p${n}`, "netns", sw);
    ip("-n", sw, "link", "set", `${id}p${n}`, "master", "br0");
    ip("-n", sw, "link", "set", `${id}p${n}`, "up");
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "addr", "add", `10.232.0.${n}/24`, "dev", `${id}h${n}`);
    ip("-n", ns, "link", "set", `${id}h${n}`, "up");
    return { ns, ip: `10.232.0.${n}`, launcher: ["ip", "netns", "exec", ns] };
  });
  return { hosts: trio, remove };
}

/** Whether the guest on `port` answers from inside `ns` (its host's namespace). */
async function answers(ns: string, port: number): Promise<boolean> {
  const poller = new NetnsPoller(ns, `http://127.0.0.1:${port}/`);
  const from = Date.now();
  try {
    await waitFor(() => poller.since(from).some((r) => r.ok), 30_000);
    return true;
  } catch {
    return false;
  } finally {
    await poller.stop();
  }
}

beforeAll(async () => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  db = await startSeededDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(url);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  net = createNetnsTrio();
  for (const h of net.hosts) {
    const vmHost = await startVmHost(db, url, logger, h.launcher);
    hosts.push({ ...vmHost, ns: h.ns });
    // Where it receives migrations, and a usable size in which two test guests fit but not three.
    await db.prisma.host.update({
      where: { id: vmHost.hostId },
      data: { labels: { "migration-address": h.ip, "flotilla.cpu": "4", "flotilla.memory-mb": "300" } },
    });
  }
  const guest = ensureGuest();
  const template = createDisk(join(newVmStateDir(), "template.qcow2"), 32);
  for (const [i, h] of hosts.entries()) {
    const hostPort = PORTS[i] as number;
    const created = await runCommand(owner, h.hostId, {
      name: "vm.create",
      payload: {
        name: `packed-${i}`,
        templateDisk: template,
        memoryMiB: 128,
        network: { mode: "user", hostfwd: [{ hostPort, guestPort: 80 }] },
        kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
        start: true,
      },
    });
    expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
    const uuid = created.result?.workloadId as string;
    let id = "";
    await waitFor(async () => {
      const row = await db.prisma.workload.findFirst({ where: { hostId: h.hostId, externalId: uuid } });
      id = row?.id ?? "";
      return row?.state === "running";
    }, 30_000);
    guests.push({ id, uuid, port: hostPort, from: h.hostId });
  }
  for (const [i, g] of guests.entries()) expect(await answers(hosts[i]?.ns as string, g.port)).toBe(true);
}, 300_000);

afterAll(async () => {
  for (const h of hosts) await h.agent.stop();
  janitor.cleanAll();
  net?.remove();
  await server?.stop();
  await db?.stop();
});

describe("executing a consolidation plan", () => {
  it("packs three hosts onto two with live migrations, every guest still answering", async () => {
    const created = await owner.mutate<PlanView>("plans.create", {
      scope: { hostIds: hosts.map((h) => h.hostId) },
      windowMinutes: 10,
      cpuPercentile: 95,
      memory: "allocated",
      policy: { cpuHeadroom: 1, memoryHeadroom: 1 },
      storage: "shared",
    });
    expect(created.error).toBeUndefined();
    const plan = created.data as PlanView;
    expect(plan.output.figures).toMatchObject({ hostsBefore: 3, hostsAfter: 2, migrations: 1 });
    const approved = await owner.mutate<PlanView>("plans.approve", { id: plan.id });
    expect(approved.data?.state).toBe("approved");

    let done: PlanView | undefined;
    await waitFor(
      async () => {
        done = (await owner.query<PlanView>("plans.get", { id: plan.id })).data;
        return ["succeeded", "failed", "cancelled"].includes(done?.state ?? "");
      },
      180_000,
      () => JSON.stringify(done),
    );
    const result = done as PlanView;
    expect(result, JSON.stringify(result)).toMatchObject({ state: "succeeded", error: null, progress: 1 });

    // Every move recorded with its migration, which succeeded to the planned host.
    for (const move of result.execution) {
      expect(move).toMatchObject({ state: "succeeded", migrationId: expect.any(String), error: null });
      const m = (await owner.query<MigrationView>("migrations.get", { id: move.migrationId })).data;
      expect(m).toMatchObject({ state: "succeeded", workloadId: move.workload, targetHostId: move.to });
    }

    // The Workload rows follow the plan's placement, one host is empty, the other two hold all three.
    const placement = result.output.placement;
    for (const g of guests) {
      const row = await db.prisma.workload.findUniqueOrThrow({ where: { id: g.id } });
      expect(row.hostId).toBe(placement[g.id]);
      expect(row.removedAt).toBeNull();
    }
    const used = new Set(Object.values(placement));
    expect(used.size).toBe(2);
    const emptied = hosts.filter((h) => !used.has(h.hostId));
    expect(emptied).toHaveLength(1);
    await waitFor(async () => (await emptied[0]?.driver.inventory())?.length === 0, 15_000);

    // Every guest runs and answers HTTP on its new host (from inside that host's namespace).
    for (const g of guests) {
      const h = hosts.find((x) => x.hostId === placement[g.id]);
      expect(await h?.driver.inventory()).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: g.uuid, state: "running" })]),
      );
      expect(await answers(h?.ns as string, g.port), `guest on port ${g.port}`).toBe(true);
    }

    // The emptied host can now be marked for standby.
    const standby = await owner.mutate("plans.markStandby", { hostId: emptied[0]?.hostId });
    expect(standby.error).toBeUndefined();
  });
});
