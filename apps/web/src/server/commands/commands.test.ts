// The command pipeline against a real PostgreSQL and the real server, with scripted agents:
// delivery, the state machine as agents report, idempotency, cancel, deadlines, redelivery.
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ClientToServerEvents,
  CommandOutputEvent,
  CommandUpdateEvent,
  ServerToClientEvents,
} from "../../shared/live-events.js";
import { enrolledHost, nextCommand, onlineAgent, waitForState } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";
import type { CommandView } from "./command-view.js";
import type { CommandEventView } from "./queries.js";

type Detail = CommandView & { events: CommandEventView[] };

let t: TestServer;
let owner: TrpcSession;

beforeAll(async () => {
  t = await startTestServer();
  owner = new TrpcSession(t.url);
  await owner.mutate("auth.signIn", { email: t.owner.email, password: t.owner.password });
});
afterAll(async () => {
  await t?.stop();
});

async function request(input: Record<string, unknown>, session = owner) {
  return session.mutate<CommandView>("commands.request", input);
}

const logs = (workloadId = "c-1") => ({ name: "container.logs", payload: { workloadId, follow: true } });

describe("delivery and state", () => {
  it("reaches a connected agent at once and follows it to succeeded, live", async () => {
    const host = await enrolledHost(t);
    const agent = await onlineAgent(t, host);
    type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
    const browser: Client = io(t.url, { transports: ["websocket"], extraHeaders: { cookie: owner.cookie ?? "" } });
    try {
      await new Promise<void>((resolve) => browser.on("connect", () => resolve()));
      expect(await browser.emitWithAck("subscribe", { kind: "host", id: host.hostId })).toEqual({ ok: true });
      const updates: CommandUpdateEvent[] = [];
      const output: CommandOutputEvent[] = [];
      browser.on("command:update", (e) => updates.push(e));
      browser.on("command:output", (e) => output.push(e));

      const res = await request({ hostId: host.hostId, command: { name: "inventory.refresh", payload: {} } });
      expect(res.data).toMatchObject({ state: "pending", name: "inventory.refresh", attempts: 0 });
      const id = res.data?.id ?? "";
      const frame = await nextCommand(agent);
      expect(frame).toMatchObject({ id, command: { name: "inventory.refresh", payload: {} } });
      expect(frame.deadline).toBeGreaterThan(Date.now());
      await waitForState(owner, id, "sent");

      agent.send({ type: "command_progress", commandId: id, ts: Date.now(), progress: 0.5, message: "half way" });
      agent.send({
        type: "command_progress",
        commandId: id,
        ts: Date.now(),
        data: { stream: "stdout", lines: ["one", "two"] },
      });
      const running = await waitForState<Detail>(owner, id, "running");
      expect(running).toMatchObject({ progress: 0.5, message: "half way", startedAt: expect.any(String) });
      agent.send({ type: "command_result", commandId: id, ts: Date.now(), ok: true, result: { workloads: 3 } });
      const done = await waitForState<Detail>(owner, id, "succeeded");
      expect(done).toMatchObject({
        progress: 1,
        result: { workloads: 3 },
        error: null,
        attempts: 1,
        cancellable: false,
      });
      expect(done.events.map((e) => e.state ?? e.kind)).toEqual([
        "pending",
        "sent",
        "running",
        "progress",
        "output",
        "succeeded",
      ]);
      expect(done.events[4]?.data).toEqual({ stream: "stdout", lines: ["one", "two"] });

      // "pending" (from the request) and "sent" (from the dispatcher) may cross; states never go back.
      await expect.poll(() => updates.at(-1)?.state).toBe("succeeded");
      expect(new Set(updates.map((u) => u.state))).toEqual(new Set(["pending", "sent", "running", "succeeded"]));
      expect(updates.filter((u) => u.state === "running" || u.state === "succeeded").map((u) => u.state)).toEqual([
        "running",
        "succeeded",
      ]);
      expect(updates.find((u) => u.state === "running")).toEqual({
        id,
        hostId: host.hostId,
        name: "inventory.refresh",
        state: "running",
        progress: 0.5,
        message: "half way",
      });
      expect(output).toEqual([
        { id, hostId: host.hostId, ts: expect.any(Number), stream: "stdout", lines: ["one", "two"] },
      ]);
    } finally {
      browser.close();
      agent.ws.close();
    }
  });

  it("keeps commands for an offline host and sends them, in order, when its agent connects", async () => {
    const host = await enrolledHost(t);
    const first = await request({ hostId: host.hostId, command: { name: "inventory.refresh", payload: {} } });
    const second = await request({
      hostId: host.hostId,
      command: { name: "metrics.set_interval", payload: { intervalMs: 2000 } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await owner.query<Detail>("commands.get", { id: first.data?.id })).data?.state).toBe("pending");

    const agent = await onlineAgent(t, host);
    try {
      expect((await nextCommand(agent)).id).toBe(first.data?.id);
      expect((await nextCommand(agent)).id).toBe(second.data?.id);
      const list = await owner.query<Array<CommandView & { hostName: string }>>("commands.list", {
        hostId: host.hostId,
        limit: 10,
      });
      expect(list.data?.map((c) => c.id)).toEqual([second.data?.id, first.data?.id]);
      expect(list.data?.every((c) => c.state === "sent" && c.hostName.length > 0)).toBe(true);
    } finally {
      agent.ws.close();
    }
  });

  it("times out a command whose agent never comes, saying it was never sent", async () => {
    const host = await enrolledHost(t);
    const res = await request({
      hostId: host.hostId,
      command: { name: "inventory.refresh", payload: {} },
      deadlineMs: 1000,
    });
    const done = await waitForState<Detail>(owner, res.data?.id ?? "", "timed_out", 6_000);
    expect(done.error).toEqual({ code: "deadline_exceeded", message: expect.stringMatching(/never sent/) });
    expect(done.sentAt).toBeNull();
    // The agent connecting later does not get it.
    const agent = await onlineAgent(t, host);
    await expect(nextCommand(agent, 500)).rejects.toThrow(/no command/);
    agent.ws.close();
  });

  it("sends unfinished commands again after a reconnect; one the agent lost in a crash ends `interrupted`", async () => {
    const host = await enrolledHost(t);
    let agent = await onlineAgent(t, host);
    const res = await request({ hostId: host.hostId, command: logs() });
    const id = res.data?.id ?? "";
    await nextCommand(agent);
    agent.send({ type: "command_progress", commandId: id, ts: Date.now(), message: "streaming" });
    await waitForState(owner, id, "running");
    agent.ws.terminate();
    await agent.closed;

    agent = await onlineAgent(t, host);
    const again = await nextCommand(agent);
    expect(again.id).toBe(id);
    agent.send({
      type: "command_result",
      commandId: id,
      ts: Date.now(),
      ok: false,
      error: { code: "interrupted", message: "the agent stopped while running this command" },
    });
    const done = await waitForState<Detail>(owner, id, "failed");
    expect(done).toMatchObject({ attempts: 2, error: { code: "interrupted" } });
    agent.ws.close();
  });

  it("answers a report about a command the host does not have with an error, changing nothing", async () => {
    const hostA = await enrolledHost(t);
    const hostB = await enrolledHost(t);
    const res = await request({ hostId: hostA.hostId, command: { name: "inventory.refresh", payload: {} } });
    const intruder = await onlineAgent(t, hostB);
    intruder.send({ type: "command_result", commandId: res.data?.id ?? "", ts: Date.now(), ok: true });
    expect(await intruder.next("error")).toMatchObject({ code: "unexpected_frame", ref: res.data?.id });
    expect((await owner.query<Detail>("commands.get", { id: res.data?.id })).data?.state).toBe("pending");
    intruder.ws.close();
  });
});

describe("idempotency", () => {
  it("returns the first command for a repeated key, also under concurrency", async () => {
    const host = await enrolledHost(t);
    const input = {
      hostId: host.hostId,
      command: { name: "container.stop", payload: { workloadId: "c-1", timeoutSeconds: 5 } },
      idempotencyKey: `stop-${host.hostId}`,
    };
    const results = await Promise.all(Array.from({ length: 5 }, () => request(input)));
    const ids = new Set(results.map((r) => r.data?.id));
    expect(ids.size).toBe(1);
    expect(await t.prisma.command.count({ where: { hostId: host.hostId } })).toBe(1);
    const later = await request(input);
    expect(later.data?.id).toBe(results[0]?.data?.id);
    const other = await request({ ...input, command: { name: "container.start", payload: { workloadId: "c-1" } } });
    expect(other.error?.data.code).toBe("CONFLICT");
  });
});

describe("cancel", () => {
  it("withdraws a command that was never sent", async () => {
    const host = await enrolledHost(t);
    const res = await request({
      hostId: host.hostId,
      command: { name: "container.create", payload: { image: "busybox" } },
    });
    const cancelled = await owner.mutate<CommandView>("commands.cancel", { id: res.data?.id });
    expect(cancelled.data).toMatchObject({ state: "cancelled", error: { code: "cancelled" } });
    const agent = await onlineAgent(t, host);
    await expect(nextCommand(agent, 500)).rejects.toThrow(/no command/);
    agent.ws.close();
  });

  it("signals a running cancellable command to its agent, and refuses to stop a non-cancellable one", async () => {
    const host = await enrolledHost(t);
    const agent = await onlineAgent(t, host);
    try {
      const res = await request({ hostId: host.hostId, command: logs() });
      const id = res.data?.id ?? "";
      await nextCommand(agent);
      const asked = await owner.mutate<CommandView>("commands.cancel", { id });
      expect(asked.data).toMatchObject({ state: "sent", cancelRequested: true, cancellable: false });
      expect(await agent.next("cancel")).toEqual({ type: "cancel", commandId: id });
      agent.send({
        type: "command_result",
        commandId: id,
        ts: Date.now(),
        ok: false,
        result: { lines: 12 },
        error: { code: "cancelled", message: "cancelled" },
      });
      expect(await waitForState<Detail>(owner, id, "cancelled")).toMatchObject({ result: { lines: 12 } });

      const create = await request({
        hostId: host.hostId,
        command: { name: "container.create", payload: { image: "busybox" } },
      });
      await nextCommand(agent);
      await waitForState(owner, create.data?.id ?? "", "sent");
      const refused = await owner.mutate("commands.cancel", { id: create.data?.id });
      expect(refused.error?.data.code).toBe("CONFLICT");
      expect(refused.error?.message).toMatch(/cannot be stopped/);
    } finally {
      agent.ws.close();
    }
  });
});
