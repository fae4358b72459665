// The durable command pipeline end to end: the real server (a child process) on a real
// PostgreSQL, the real bundled agent with the sim driver, commands through tRPC over HTTP.
// Agents and the server are stopped, SIGKILLed and restarted; no command may be lost, none
// may run twice, and each must end in a clear state.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import type { CommandEventView } from "../../apps/web/src/server/commands/queries.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { newStateDir, type Proc, runSimAgent, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

type Detail = CommandView & { events: CommandEventView[] };

let db: SeededDatabase;
let server: Proc;
let port: number;
let serverUrl: string;
let owner: TrpcSession;
const agents: Proc[] = [];

beforeAll(async () => {
  db = await startSeededDatabase();
  port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(serverUrl);
  const res = await owner.mutate("auth.signIn", { email: db.email, password: db.password });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  for (const agent of agents) await agent.stop("SIGKILL");
  await server?.stop();
  await db?.stop();
});

/** A simulated host: its state dir (enrolled on first start) and how to (re)start its agent. */
async function simHost() {
  const stateDir = newStateDir();
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 120_000,
  });
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify([token]));
  const hostDir = join(stateDir, "host-001");
  const host = {
    hostDir,
    hostId: "",
    agent: null as Proc | null,
    /** Starts the agent and waits until its host is online and has reported its workloads. */
    async start() {
      const agent = runSimAgent(serverUrl, stateDir, tokenFile);
      agents.push(agent);
      host.agent = agent;
      await waitFor(
        () => {
          try {
            host.hostId ||= (
              JSON.parse(readFileSync(join(hostDir, "credentials.json"), "utf8")) as { hostId: string }
            ).hostId;
          } catch {
            return false;
          }
          return true;
        },
        30_000,
        () => agent.output(),
      );
      await waitFor(
        async () => {
          const row = await db.prisma.host.findUnique({
            where: { id: host.hostId },
            select: { status: true, connectedAt: true },
          });
          const workloads = await db.prisma.workload.count({ where: { hostId: host.hostId } });
          return row?.status === "online" && workloads > 0;
        },
        30_000,
        () => agent.output(),
      );
      return agent;
    },
    async runningContainer(): Promise<string> {
      const w = await db.prisma.workload.findFirst({
        where: { hostId: host.hostId, kind: "container", state: "running", removedAt: null },
      });
      if (!w) throw new Error("the simulated host has no running container");
      return w.externalId;
    },
  };
  return host;
}

async function request(input: Record<string, unknown>): Promise<CommandView> {
  const res = await owner.mutate<CommandView>("commands.request", input);
  if (!res.data) throw new Error(`request failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

async function get(id: string): Promise<Detail> {
  const res = await owner.query<Detail>("commands.get", { id });
  if (!res.data) throw new Error(`get failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

async function until(
  id: string,
  states: string[],
  timeoutMs: number,
  context: () => string = () => "",
): Promise<Detail> {
  let last: Detail | undefined;
  await waitFor(
    async () => {
      last = await get(id);
      return states.includes(last.state);
    },
    timeoutMs,
    () => `${JSON.stringify(last)}\n${context()}`,
  );
  return last as Detail;
}

describe("commands through the real agent", () => {
  it("reach a connected agent at once and succeed, with progress and output", async () => {
    const host = await simHost();
    const agent = await host.start();
    const workloadId = await host.runningContainer();

    const logs = await request({
      hostId: host.hostId,
      command: { name: "container.logs", payload: { workloadId, tail: 5, timestamps: true } },
    });
    const done = await until(logs.id, ["succeeded", "failed"], 15_000, () => agent.output());
    expect(done).toMatchObject({ state: "succeeded", result: { lines: 5 }, attempts: 1 });
    const lines = done.events.filter((e) => e.kind === "output").flatMap((e) => (e.data as { lines: string[] }).lines);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[^ ]+Z /);

    const stop = await request({ hostId: host.hostId, command: { name: "workload.stop", payload: { workloadId } } });
    const stopped = await until(stop.id, ["succeeded", "failed"], 15_000, () => agent.output());
    expect(stopped.state).toBe("succeeded");
    expect(stopped.events.map((e) => e.state ?? e.kind)).toEqual([
      "pending",
      "sent",
      "running",
      "progress",
      "succeeded",
    ]);
    expect(stopped.events[3]?.message).toBe(`stopping ${workloadId}`);
    // The agent's inventory delta followed: the container is stopped in the fleet model too.
    await waitFor(async () => {
      const w = await db.prisma.workload.findFirst({ where: { hostId: host.hostId, externalId: workloadId } });
      return w?.state === "exited";
    }, 10_000);
    await agent.stop();
  });

  it("wait for an offline agent, are delivered when it connects, and a repeated key runs once", async () => {
    const host = await simHost();
    await (await host.start()).stop();
    const input = {
      hostId: host.hostId,
      command: { name: "metrics.set_interval", payload: { intervalMs: 2000 } },
      idempotencyKey: `interval-${host.hostId}`,
    };
    const first = await request(input);
    const again = await request(input);
    expect(again.id).toBe(first.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await get(first.id)).state).toBe("pending");

    const agent = await host.start();
    const done = await until(first.id, ["succeeded", "failed"], 20_000, () => agent.output());
    expect(done).toMatchObject({ state: "succeeded", result: { intervalMs: 2000 }, attempts: 1 });
    expect(await db.prisma.command.count({ where: { hostId: host.hostId } })).toBe(1);
    const settings = JSON.parse(readFileSync(join(host.hostDir, "settings.json"), "utf8"));
    expect(settings).toEqual({ intervalMs: 2000 });
    expect((await request(input)).id).toBe(first.id);
    await agent.stop();
  });

  it("time out with a clear state when the agent never comes back", async () => {
    const host = await simHost();
    await (await host.start()).stop();
    const cmd = await request({
      hostId: host.hostId,
      command: { name: "inventory.refresh", payload: {} },
      deadlineMs: 2000,
    });
    const done = await until(cmd.id, ["timed_out"], 10_000);
    expect(done.error).toEqual({
      code: "deadline_exceeded",
      message: expect.stringMatching(/not connected .*never sent/),
    });
    expect(done.sentAt).toBeNull();
  });

  it("end `interrupted`, never run twice, when the agent is SIGKILLed mid-command", async () => {
    const host = await simHost();
    let agent = await host.start();
    const workloadId = await host.runningContainer();
    const cmd = await request({
      hostId: host.hostId,
      command: { name: "container.logs", payload: { workloadId, follow: true, tail: 1 } },
      deadlineMs: 120_000,
    });
    await waitFor(
      async () => (await get(cmd.id)).events.filter((e) => e.kind === "output").length >= 3,
      15_000,
      () => agent.output(),
    );
    expect((await get(cmd.id)).state).toBe("running");
    await agent.stop("SIGKILL");
    const restartedAt = Date.now();

    agent = await host.start();
    const done = await until(cmd.id, ["failed", "succeeded", "timed_out"], 20_000, () => agent.output());
    expect(done).toMatchObject({ state: "failed", error: { code: "interrupted" }, attempts: 2 });
    // Nothing was streamed after the restart: the second delivery did not run it again.
    const outputs = done.events.filter((e) => e.kind === "output");
    expect(outputs.every((e) => Date.parse(e.at) < restartedAt)).toBe(true);
    const record = JSON.parse(readFileSync(join(host.hostDir, "commands.json"), "utf8")) as {
      commands: Array<{ id: string; state: string; result?: { error?: { code: string } } }>;
    };
    expect(record.commands.find((c) => c.id === cmd.id)).toMatchObject({
      state: "done",
      result: { error: { code: "interrupted" } },
    });
    await agent.stop();
  });

  it("lose none of the pending commands when the server restarts", async () => {
    const host = await simHost();
    await (await host.start()).stop();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await request({ hostId: host.hostId, command: { name: "inventory.refresh", payload: {} } })).id);
    }
    await server.stop("SIGKILL");
    server = await startServer(db.url, port, { ui: false });
    // Sessions live in PostgreSQL: the same cookie works against the restarted server.
    const agent = await host.start();
    for (const id of ids) {
      const done = await until(id, ["succeeded", "failed", "timed_out"], 20_000, () => agent.output());
      expect(done).toMatchObject({ state: "succeeded", attempts: 1, result: { workloads: expect.any(Number) } });
    }
    await agent.stop();
  });
});
