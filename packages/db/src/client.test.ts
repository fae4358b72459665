// Prisma against a database built by our SQL migrations: proves schema.prisma and the SQL agree.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, HostStatus, type PrismaClient, WorkloadKind } from "./client.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await startTestDatabase();
  prisma = createPrisma(db.url);
}, 60_000);
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.stop();
});

async function createOrgWithHost() {
  const slug = `org-${randomUUID()}`;
  const org = await prisma.organization.create({ data: { name: "Acme", slug, teams: { create: { name: "Ops" } } } });
  const team = await prisma.team.findFirstOrThrow({ where: { orgId: org.id } });
  const host = await prisma.host.create({
    data: {
      orgId: org.id,
      teamId: team.id,
      machineId: randomUUID(),
      name: "node-1",
      memoryBytes: 68_719_476_736n,
      drivers: ["docker", "qemu"],
      labels: { rack: "r1" },
    },
  });
  return { org, team, host };
}

describe("Prisma client on the migrated database", () => {
  it("creates and reads hosts with their defaults, enums, arrays, JSON and BigInt", async () => {
    const { host } = await createOrgWithHost();
    const read = await prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(read.status).toBe(HostStatus.offline);
    expect(read.intervalMs).toBe(5000);
    expect(read.memoryBytes).toBe(68_719_476_736n);
    expect(read.drivers).toEqual(["docker", "qemu"]);
    expect(read.labels).toEqual({ rack: "r1" });

    await prisma.host.update({ where: { id: host.id }, data: { status: HostStatus.online, lastSeenAt: new Date() } });
    const online = await prisma.host.findMany({ where: { orgId: host.orgId, status: "online" } });
    expect(online.map((h) => h.id)).toEqual([host.id]);
  });

  it("keeps workloads unique per host and records their state changes", async () => {
    const { host } = await createOrgWithHost();
    const workload = await prisma.workload.create({
      data: {
        hostId: host.id,
        externalId: "c0ffee",
        kind: WorkloadKind.container,
        driver: "docker",
        name: "web",
        state: "running",
        vcpus: 0.5,
        ports: [{ containerPort: 80, hostPort: 8080, protocol: "tcp" }],
        stateChanges: { create: { fromState: null, toState: "running" } },
      },
      include: { stateChanges: true },
    });
    expect(typeof workload.stateChanges[0]?.id).toBe("bigint");
    await expect(
      prisma.workload.create({
        data: { hostId: host.id, externalId: "c0ffee", kind: "container", driver: "docker", name: "x", state: "y" },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
  });

  it("cascades an organisation's deletion to its teams, hosts, workloads and audit entries", async () => {
    const { org, host } = await createOrgWithHost();
    await prisma.agent.create({ data: { hostId: host.id, secretHash: "x" } });
    await prisma.auditEntry.create({ data: { orgId: org.id, actor: "system", action: "host.create", data: {} } });
    await prisma.organization.delete({ where: { id: org.id } });
    expect(await prisma.host.count({ where: { id: host.id } })).toBe(0);
    expect(await prisma.agent.count({ where: { hostId: host.id } })).toBe(0);
    expect(await prisma.auditEntry.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("refuses to delete a team that still has hosts", async () => {
    const { team } = await createOrgWithHost();
    await expect(prisma.team.delete({ where: { id: team.id } })).rejects.toMatchObject({ code: "P2003" });
  });
});
