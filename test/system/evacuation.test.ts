// Host evacuation through the control plane: host A holds two VMs (real QEMU test guests, qemu
// driver, in network namespace A) and two containers (its own private dockerd, docker driver),
// all behind one in-process agent; host B runs the same drivers (namespace B, its own dockerd).
// maintenance.enter with evacuate moves all four to B (live for the VMs, cold for the
// containers), A ends empty and in maintenance, the guests keep answering (from inside the
// namespaces, on their forwarded ports) and the containers answer on B; then A leaves maintenance.

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { EvacuationView } from "../../apps/web/src/server/maintenance/evacuation-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { createNetnsPair, type NetnsPair, NetnsPoller } from "../support/netns.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { createDisk, ensureGuest, hasQemu, janitor, newVmStateDir } from "../support/qemu.js";
import { runCommand } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";
import { fetchText, type MixedHost, publishedPort, startMixedHost } from "./mixed-hosts.js";

const logger = createSilentLogger();
const GUEST_PORTS = [8080, 8081];
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let net: NetnsPair;
let engines: ContainerEngine[] = [];
let A: MixedHost;
let B: MixedHost;
const pollers: NetnsPoller[] = [];
const containers: Array<{ id: string; greeting: string }> = [];

/** Waits until `check` holds of the workload's row (found by host and driver id). */
async function rowWhen(hostId: string, externalId: string) {
  let id = "";
  await waitFor(async () => {
    const row = await db.prisma.workload.findFirst({ where: { hostId, externalId } });
    id = row?.id ?? "";
    return row?.state === "running";
  }, 30_000);
  return id;
}

beforeAll(async () => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  const [ea, eb, database] = await Promise.all([startEngine("docker"), startEngine("docker"), startSeededDatabase()]);
  engines = [ea, eb];
  db = database;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(url);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  net = createNetnsPair();
  A = await startMixedHost(db, url, logger, ea, { launcher: net.a.launcher });
  B = await startMixedHost(db, url, logger, eb, { launcher: net.b.launcher });
  await db.prisma.host.update({ where: { id: A.hostId }, data: { labels: { "migration-address": net.a.ip } } });
  await db.prisma.host.update({ where: { id: B.hostId }, data: { labels: { "migration-address": net.b.ip } } });

  const guest = ensureGuest();
  const template = createDisk(join(newVmStateDir(), "template.qcow2"), 32);
  for (const [i, hostPort] of GUEST_PORTS.entries()) {
    const created = await runCommand(owner, A.hostId, {
      name: "vm.create",
      payload: {
        name: `evac-vm-${i}`,
        templateDisk: template,
        memoryMiB: 128,
        network: { mode: "user", hostfwd: [{ hostPort, guestPort: 80 }] },
        kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
        start: true,
      },
    });
    expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
    await rowWhen(A.hostId, created.result?.workloadId as string);
    for (const ns of [net.a.ns, net.b.ns]) pollers.push(new NetnsPoller(ns, `http://127.0.0.1:${hostPort}/`));
  }
  for (const i of [0, 1]) {
    const greeting = `container ${i} ${randomBytes(3).toString("hex")}`;
    const created = await runCommand(owner, A.hostId, {
      name: "container.create",
      payload: {
        image: ea.image,
        name: `evac-web-${i}`,
        ports: [{ containerPort: 80 }],
        env: { GREETING: greeting },
        command: ["sh", "-c", 'mkdir -p /www && echo "$GREETING" > /www/index.html && exec httpd -f -p 80 -h /www'],
      },
    });
    expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
    containers.push({ id: await rowWhen(A.hostId, created.result?.workloadId as string), greeting });
  }
  // Both guests answer on A before anything moves.
  const from = Date.now();
  await waitFor(() => [0, 2].every((i) => pollers[i]?.since(from).some((r) => r.ok)), 120_000);
});

afterAll(async () => {
  await Promise.all(pollers.map((p) => p.stop()));
  await A?.agent.stop();
  await B?.agent.stop();
  janitor.cleanAll();
  net?.remove();
  await server?.stop();
  db?.pool.on("error", () => {});
  await Promise.all([db?.stop(), ...engines.map((e) => e.stop())]);
});

describe("host maintenance with evacuation", () => {
  it("moves two VMs and two containers off A within capacity; A ends empty and in maintenance", async () => {
    const entered = await owner.mutate<{ evacuation: EvacuationView }>("maintenance.enter", {
      hostId: A.hostId,
      evacuate: true,
      concurrency: 2,
      storage: "shared",
    });
    expect(entered.error).toBeUndefined();
    expect(entered.data?.evacuation).toMatchObject({ state: "running" });
    expect(entered.data?.evacuation.moves).toHaveLength(4);
    expect(new Set(entered.data?.evacuation.moves.map((m) => m.toHostId))).toEqual(new Set([B.hostId]));
    expect((await db.prisma.host.findUniqueOrThrow({ where: { id: A.hostId } })).status).toBe("maintenance");
    const again = await owner.mutate("maintenance.enter", { hostId: A.hostId, evacuate: true });
    expect(again.error?.data.code).toBe("CONFLICT");

    let last: { status: string; evacuation: EvacuationView | null } | undefined;
    await waitFor(
      async () => {
        last = (await owner.query<typeof last>("maintenance.get", { hostId: A.hostId })).data;
        return ["succeeded", "failed", "cancelled"].includes(last?.evacuation?.state ?? "");
      },
      240_000,
      () => JSON.stringify(last),
    );
    const switchAt = Date.now();
    expect(last?.evacuation, JSON.stringify(last)).toMatchObject({ state: "succeeded", error: null, progress: 1 });
    expect(last?.evacuation?.moves.every((m) => m.state === "succeeded" && m.migrationId)).toBe(true);
    const migrations = await db.prisma.migration.findMany({ where: { evacuationId: last?.evacuation?.id } });
    expect(migrations.map((m) => m.kind).sort()).toEqual(["cold", "cold", "live", "live"]);

    // A is empty and stays in maintenance; everything is B's.
    expect(last?.status).toBe("maintenance");
    expect(await db.prisma.workload.count({ where: { hostId: A.hostId, removedAt: null } })).toBe(0);
    expect(await db.prisma.workload.count({ where: { hostId: B.hostId, removedAt: null } })).toBe(4);
    expect(await A.qemu?.inventory()).toEqual([]);
    expect(await A.docker.inventory()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // two agent intervals: still maintenance
    expect((await db.prisma.host.findUniqueOrThrow({ where: { id: A.hostId } })).status).toBe("maintenance");

    // The guests answer from B's namespace; the containers on B's engine.
    await waitFor(() => [1, 3].every((i) => pollers[i]?.since(switchAt).some((r) => r.ok)), 20_000);
    for (const c of containers) {
      await waitFor(async () => {
        const port = await publishedPort(db, c.id);
        return ((port && (await fetchText(port))) || "").includes(c.greeting);
      }, 20_000);
    }
  });

  it("leaves maintenance: A is online again", async () => {
    const left = await owner.mutate("maintenance.leave", { hostId: A.hostId });
    expect(left.error).toBeUndefined();
    expect((await db.prisma.host.findUniqueOrThrow({ where: { id: A.hostId } })).status).toBe("online");
    const unknown = await owner.query("maintenance.get", { hostId: "no-such-host" });
    expect(unknown.error?.data.code).toBe("NOT_FOUND");
  });
});
