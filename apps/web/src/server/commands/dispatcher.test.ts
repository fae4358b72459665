// The dispatcher alone against a real PostgreSQL, with a recording stand-in for an agent link:
// commands whose notification was lost still go out, and a command is sent by one path only.
import { randomUUID } from "node:crypto";
import { createPrisma } from "@flotilla/db";
import { startTestDatabase, type TestDatabase } from "@flotilla/db/testing";
import type { ServerFrameInput } from "@flotilla/protocol";
import { afterAll, beforeAll, expect, it } from "vitest";
import { silentPublisher } from "../live/publisher.js";
import type { PrismaClient } from "../services.js";
import { silentLogger } from "../testing/test-server.js";
import { type AgentLink, type CommandDispatcher, createCommandDispatcher } from "./dispatcher.js";

let db: TestDatabase;
let prisma: PrismaClient;
let dispatcher: CommandDispatcher;
let orgId: string;
let teamId: string;

beforeAll(async () => {
  db = await startTestDatabase();
  prisma = createPrisma(db.url);
  const org = await prisma.organization.create({ data: { name: "d", slug: `d-${randomUUID()}` } });
  const team = await prisma.team.create({ data: { orgId: org.id, name: "Default" } });
  orgId = org.id;
  teamId = team.id;
  dispatcher = createCommandDispatcher({
    prisma,
    live: silentPublisher,
    log: silentLogger(),
    databaseUrl: db.url,
    pollEveryMs: 300,
  });
  await dispatcher.start();
}, 60_000);

afterAll(async () => {
  await dispatcher?.stop();
  await prisma?.$disconnect();
  await db?.stop();
});

function fakeLink(hostId: string): AgentLink & { frames: ServerFrameInput[] } {
  const frames: ServerFrameInput[] = [];
  return { hostId, orgId, agentId: `a-${hostId}`, log: silentLogger(), frames, send: (f) => frames.push(f) > 0 };
}

async function newHost(): Promise<string> {
  const host = await prisma.host.create({ data: { orgId, teamId, machineId: randomUUID(), name: "h" } });
  return host.id;
}

function insertCommand(hostId: string, name = "inventory.refresh") {
  // Straight into the table, no NOTIFY: as if the notification had been lost.
  return prisma.command.create({
    data: { orgId, hostId, name, payload: {}, deadline: new Date(Date.now() + 60_000) },
  });
}

it("finds a command whose notification was lost, and sends it once", async () => {
  const hostId = await newHost();
  const link = fakeLink(hostId);
  dispatcher.agentReady(link);
  await dispatcher.idle();
  const cmd = await insertCommand(hostId);
  await expect.poll(() => link.frames.length, { timeout: 3_000 }).toBe(1);
  expect(link.frames[0]).toMatchObject({ type: "command", id: cmd.id, command: { name: "inventory.refresh" } });
  await new Promise((r) => setTimeout(r, 700)); // more polls: it is sent now, not again
  expect(link.frames).toHaveLength(1);
  expect(await prisma.command.findUnique({ where: { id: cmd.id } })).toMatchObject({ state: "sent", attempts: 1 });
  dispatcher.agentGone(link);
});

it("sends nothing to an agent that has gone, and everything unfinished, in order, when it is back", async () => {
  const hostId = await newHost();
  const first = fakeLink(hostId);
  dispatcher.agentReady(first);
  dispatcher.agentGone(first);
  const a = await insertCommand(hostId);
  const b = await insertCommand(hostId, "metrics.set_interval");
  await prisma.command.update({ where: { id: b.id }, data: { payload: { intervalMs: 1000 } } });
  await new Promise((r) => setTimeout(r, 700));
  expect(first.frames).toEqual([]);

  const second = fakeLink(hostId);
  dispatcher.agentReady(second);
  await dispatcher.idle();
  expect(second.frames.map((f) => (f.type === "command" ? f.id : f.type))).toEqual([a.id, b.id]);
  // A reconnect sends what is out there again: the agent answers from its record.
  const third = fakeLink(hostId);
  dispatcher.agentReady(third);
  await dispatcher.idle();
  expect(third.frames.map((f) => (f.type === "command" ? f.id : f.type))).toEqual([a.id, b.id]);
  expect((await prisma.command.findUnique({ where: { id: a.id } }))?.attempts).toBe(2);
  dispatcher.agentGone(third);
});

it("fails, without sending, a stored command that no longer matches the protocol", async () => {
  const hostId = await newHost();
  const link = fakeLink(hostId);
  dispatcher.agentReady(link);
  const bad = await prisma.command.create({
    data: { orgId, hostId, name: "host.reboot", payload: {}, deadline: new Date(Date.now() + 60_000) },
  });
  await expect
    .poll(async () => (await prisma.command.findUnique({ where: { id: bad.id } }))?.state, { timeout: 3_000 })
    .toBe("failed");
  expect(link.frames).toEqual([]);
  dispatcher.agentGone(link);
});
