// maintenance.* against a real PostgreSQL and the real server over HTTP: permissions,
// organisation isolation, and the planning outcomes that never start a migration (the moves
// themselves are in test/system/evacuation.test.ts).
import type { EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markHostSeen } from "../fleet/host-liveness.js";
import { enrolledHost, memberSession, signIn } from "../testing/commands.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import type { EvacuationView } from "./evacuation-view.js";

type Entered = { status: string; evacuation: EvacuationView | null };
let t: TestServer;
let owner: TrpcSession;
let outsider: TrpcSession;
let a: EnrollResponse;
let b: EnrollResponse;

async function addWorkload(hostId: string, name: string, extra: Record<string, unknown> = {}) {
  return t.prisma.workload.create({
    data: { hostId, externalId: `${name}-${hostId}`, kind: "vm", driver: "qemu", name, state: "running", ...extra },
  });
}

beforeAll(async () => {
  t = await startTestServer();
  owner = await signIn(t, t.owner.email, t.owner.password);
  const other = await seedOrg(t.prisma, "outsider");
  outsider = await signIn(t, other.email, other.password);
  [a, b] = [await enrolledHost(t), await enrolledHost(t)];
  for (const h of [a, b])
    await t.prisma.host.update({
      where: { id: h.hostId },
      data: {
        status: "online",
        lastSeenAt: new Date(),
        cpuCores: 2,
        memoryBytes: 4n << 30n,
        drivers: ["proc", "qemu", "docker"],
      },
    });
});
afterAll(async () => {
  await t?.stop();
});

describe("maintenance", () => {
  it("is another organisation's business only as NOT_FOUND, and needs hosts.manage", async () => {
    for (const [path, input] of [
      ["maintenance.enter", { hostId: a.hostId }],
      ["maintenance.leave", { hostId: a.hostId }],
    ] as const)
      expect((await outsider.mutate(path, input)).error?.data.code, path).toBe("NOT_FOUND");
    expect((await outsider.query("maintenance.get", { hostId: a.hostId })).error?.data.code).toBe("NOT_FOUND");
    expect((await outsider.query("maintenance.list", { hostId: a.hostId })).error?.data.code).toBe("NOT_FOUND");
    const operator = await memberSession(t, t.owner.orgId, "operator");
    expect((await operator.mutate("maintenance.enter", { hostId: a.hostId })).error?.data.code).toBe("FORBIDDEN");
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: a.hostId } })).status).toBe("online");
  });

  it("keeps a host in maintenance while its agent reports, until it leaves", async () => {
    const entered = await owner.mutate<Entered>("maintenance.enter", { hostId: a.hostId });
    expect(entered.data).toMatchObject({ status: "maintenance", evacuation: null });
    await markHostSeen(t.prisma, a.hostId);
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: a.hostId } })).status).toBe("maintenance");
    expect((await owner.mutate("maintenance.leave", { hostId: a.hostId })).data).toMatchObject({ status: "online" });
    expect((await owner.mutate("maintenance.leave", { hostId: a.hostId })).error?.data.code).toBe("CONFLICT");
  });

  it("an empty host evacuates at once; one that cannot be emptied says why and moves nothing", async () => {
    const empty = await owner.mutate<Entered>("maintenance.enter", { hostId: a.hostId, evacuate: true });
    expect(empty.data?.evacuation).toMatchObject({ state: "running", moves: [] });
    await expect
      .poll(async () => (await owner.query<Entered>("maintenance.get", { hostId: a.hostId })).data?.evacuation?.state)
      .toBe("succeeded");
    await owner.mutate("maintenance.leave", { hostId: a.hostId });

    const big = await addWorkload(a.hostId, "big", { vcpus: 3 });
    const tooBig = await owner.mutate<Entered>("maintenance.enter", { hostId: a.hostId, evacuate: true });
    expect(tooBig.data?.status).toBe("maintenance");
    expect(tooBig.data?.evacuation).toMatchObject({ state: "failed" });
    expect(tooBig.data?.evacuation?.error).toMatch(
      /^Cannot evacuate host-.*: workload big needs 3 cores but the largest usable host has 2/,
    );
    await owner.mutate("maintenance.leave", { hostId: a.hostId });
    await t.prisma.workload.delete({ where: { id: big.id } });

    await addWorkload(a.hostId, "sleeping", { state: "exited" });
    const stuck = await owner.mutate<Entered>("maintenance.enter", { hostId: a.hostId, evacuate: true });
    expect(stuck.data?.evacuation?.error).toMatch(/sleeping is exited; only running workloads are moved/);
    expect(await t.prisma.migration.count()).toBe(0);
    const listed = await owner.query<EvacuationView[]>("maintenance.list", { hostId: a.hostId });
    expect(listed.data?.map((e) => e.state)).toEqual(["failed", "failed", "succeeded"]);
  });
});
