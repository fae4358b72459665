/**
 * The transport against a tiny in-test gateway on 127.0.0.1: hello/welcome, acks, a dropped
 * link, and the resend of exactly the unacked batches, in order.
 */
import { join } from "node:path";
import { CloseCode, PROTOCOL_VERSION } from "@flotilla/protocol";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentError } from "../errors.js";
import { createSilentLogger } from "../logger.js";
import { gatewayUrl } from "../server-url.js";
import { FakeGateway } from "../testing/fake-gateway.js";
import { hostSample, sleep, waitUntil, withTempDir } from "../testing/helpers.js";
import { BatchSender } from "./batch-sender.js";
import { AgentConnection, type ConnectionHandlers } from "./connection.js";
import { Spool, type SpoolGap } from "./spool.js";

const logger = createSilentLogger();
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function startGateway() {
  const gateway = await FakeGateway.start();
  cleanup.push(() => gateway.close());
  return gateway;
}

/** Wires connection, spool and sender the way the Agent does. */
async function startTransport(
  gateway: FakeGateway,
  dir: string,
  handlers: Partial<ConnectionHandlers> = {},
  extra: { ackTimeoutMs?: number; onGap?: (gap: SpoolGap) => void } = {},
) {
  const agent = gateway.addAgent();
  const spool = await Spool.open({
    dir: join(dir, "spool"),
    seqFile: join(dir, "seq"),
    maxBytes: 1 << 26,
    logger,
    ...(extra.onGap ? { onGap: extra.onGap } : {}),
  });
  let sender: BatchSender | undefined;
  const connection = new AgentConnection({
    url: gatewayUrl(gateway.url),
    agentId: agent.agentId,
    secret: agent.secret,
    protocol: PROTOCOL_VERSION,
    hello: () => ({ agentVersion: "0.0.0-test", bootId: "boot-1", drivers: ["sim"], intervalMs: 5000 }),
    logger,
    backoff: { baseMs: 10, capMs: 50 },
    handlers: {
      onWelcome: (frame) => void sender?.reset(frame.lastSeq).then(() => sender?.resume()),
      onAck: (frame) => void sender?.ack(frame.seq),
      onDisconnected: () => sender?.pause(),
      ...handlers,
    },
  });
  sender = new BatchSender({
    spool,
    send: (text) => connection.sendText(text),
    logger,
    maxInFlight: 32,
    ...(extra.ackTimeoutMs ? { ackTimeoutMs: extra.ackTimeoutMs } : {}),
  });
  cleanup.push(() => connection.stop());
  connection.start();
  return { agent, spool, sender, connection };
}

describe("AgentConnection with the spool", () => {
  it("resends exactly the unacked batches, in order, after the link drops", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      gateway.shouldAck = (frame) => frame.seq <= 4; // the server commits 1..4, then stalls
      const { agent, spool, sender, connection } = await startTransport(gateway, dir);
      for (let ts = 1; ts <= 10; ts++) await spool.append([hostSample(ts)]);
      sender.notify();

      await gateway.waitFor(() => gateway.framesOf("metrics").length === 10, 5000, "10 batches");
      await waitUntil(() => spool.batches === 6, 5000, "acks of 1..4");
      const [hello] = gateway.framesOf("hello");
      expect(hello?.frame).toMatchObject({
        protocol: PROTOCOL_VERSION,
        agentId: agent.agentId,
        bootId: "boot-1",
        drivers: ["sim"],
        intervalMs: 5000,
      });
      expect(gateway.frames[0]?.frame.type).toBe("hello");

      gateway.shouldAck = () => true;
      gateway.dropConnections();
      await gateway.waitFor(() => agent.committed.length === 10, 5000, "all batches committed");
      await waitUntil(() => spool.batches === 0, 5000, "spool emptied");

      const second = gateway.frames.filter((f) => f.conn === 2);
      expect(second[0]?.frame.type).toBe("hello");
      expect(second.filter((f) => f.frame.type === "metrics").map((f) => (f.frame as { seq: number }).seq)).toEqual([
        5, 6, 7, 8, 9, 10,
      ]);
      expect(agent.committed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(connection.ready).toBe(true);
    }));

  it("skips batches the server already committed, per welcome.lastSeq", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      const agent = gateway.addAgent();
      agent.committed.push(1, 2, 3); // committed, but the acks never reached the agent
      const spool = await Spool.open({ dir: join(dir, "spool"), seqFile: join(dir, "seq"), maxBytes: 1 << 26, logger });
      for (let ts = 1; ts <= 5; ts++) await spool.append([hostSample(ts)]);
      const sender = new BatchSender({ spool, send: (t) => connection.sendText(t), logger });
      const connection = new AgentConnection({
        url: gatewayUrl(gateway.url),
        agentId: agent.agentId,
        secret: agent.secret,
        protocol: PROTOCOL_VERSION,
        hello: () => ({ agentVersion: "0.0.0-test", bootId: "boot-2", drivers: [], intervalMs: 5000 }),
        logger,
        handlers: {
          onWelcome: (f) => void sender.reset(f.lastSeq).then(() => sender.resume()),
          onAck: (f) => void sender.ack(f.seq),
        },
      });
      cleanup.push(() => connection.stop());
      connection.start();
      await waitUntil(() => spool.batches === 0, 5000, "spool emptied");
      expect(gateway.framesOf("metrics").map((f) => f.frame.seq)).toEqual([4, 5]);
    }));

  it("keeps at most maxInFlight batches unacked", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      gateway.shouldAck = () => false;
      const { spool, sender } = await startTransport(gateway, dir);
      for (let ts = 1; ts <= 40; ts++) await spool.append([hostSample(ts)]);
      sender.notify();
      await gateway.waitFor(() => gateway.framesOf("metrics").length === 32, 5000, "32 batches");
      await sleep(100);
      expect(gateway.framesOf("metrics").length).toBe(32);
      expect(sender.inFlightCount).toBe(32);
    }));

  it("reconnects when acks stop, and gives up a batch the server never acks", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      gateway.shouldAck = (frame) => frame.seq !== 2; // the server keeps refusing batch 2
      const gaps: SpoolGap[] = [];
      const { agent, spool, sender, connection } = await startTransport(
        gateway,
        dir,
        {},
        { ackTimeoutMs: 30, onGap: (g) => gaps.push(g) },
      );
      for (let ts = 1; ts <= 2; ts++) await spool.append([hostSample(ts)]);
      sender.notify();
      for (let round = 0; spool.has(2) && round < 20; round++) {
        const sends = gateway.framesOf("metrics").length;
        await waitUntil(() => connection.ready && sender.inFlightCount === 1, 5000, "batch 2 alone in flight");
        await gateway.waitFor(() => gateway.framesOf("metrics").length > sends || round === 0, 5000, "a resend");
        await sleep(40);
        if ((await sender.checkAcks()) === "reconnect") connection.reconnect("test: no ack");
      }
      const sentTwo = gateway.framesOf("metrics").filter((f) => f.frame.seq === 2);
      expect(sentTwo.map((f) => f.conn)).toEqual([1, 2, 3]);
      expect(spool.has(2)).toBe(false);
      expect(gaps).toEqual([expect.objectContaining({ fromSeq: 2, toSeq: 2, reason: "rejected" })]);
      await spool.append([hostSample(3)]);
      sender.notify();
      await waitUntil(() => agent.committed.length === 2, 5000, "batch 3 committed");
      expect(agent.committed).toEqual([1, 3]);
    }));

  it("drops a link whose pongs stop and reconnects", async () => {
    const gateway = await FakeGateway.start({ autoPong: false });
    cleanup.push(() => gateway.close());
    const agent = gateway.addAgent();
    const disconnects: boolean[] = [];
    const connection = new AgentConnection({
      url: gatewayUrl(gateway.url),
      agentId: agent.agentId,
      secret: agent.secret,
      protocol: PROTOCOL_VERSION,
      hello: () => ({ agentVersion: "0.0.0-test", bootId: "b", drivers: [], intervalMs: 5000 }),
      logger,
      keepaliveMs: 50,
      backoff: { baseMs: 5, capMs: 10 },
      handlers: { onDisconnected: (i) => disconnects.push(i.wasReady) },
    });
    cleanup.push(() => connection.stop());
    connection.start();
    await gateway.waitFor(() => gateway.framesOf("hello").length >= 2, 5000, "a second connection");
    expect(disconnects[0]).toBe(true);
  });

  it("answers pings, survives bad frames and ignores frames before welcome", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      const { agent, connection } = await startTransport(gateway, dir);
      await waitUntil(() => connection.ready, 5000, "welcome");
      gateway.send(agent.agentId, "not json at all");
      gateway.send(agent.agentId, JSON.stringify({ type: "teleport", to: "mars" }));
      gateway.send(agent.agentId, JSON.stringify({ type: "ack", seq: -1 }));
      gateway.send(agent.agentId, { type: "ping", nonce: "n-1" });
      await gateway.waitFor(() => gateway.framesOf("pong").length === 1, 5000, "pong");
      expect(gateway.framesOf("pong")[0]?.frame).toEqual({ type: "pong", nonce: "n-1" });
      expect(connection.ready).toBe(true);
    }));

  it("answers a command it cannot read with unknown_command", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      const unknown: Array<[string, string | undefined]> = [];
      const { agent, connection } = await startTransport(gateway, dir, {
        onUnreadableCommand: (id, name) => unknown.push([id, name]),
      });
      await waitUntil(() => connection.ready, 5000, "welcome");
      gateway.send(agent.agentId, {
        type: "command",
        id: "c-1",
        deadline: Date.now() + 1000,
        command: { name: "vm.fly", payload: {} },
      } as never);
      await waitUntil(() => unknown.length === 1, 5000, "unknown command");
      expect(unknown).toEqual([["c-1", "vm.fly"]]);
    }));

  it("stops retrying when the server closes with unauthorized", () =>
    withTempDir(async (dir) => {
      const gateway = await startGateway();
      const fatal: AgentError[] = [];
      const { connection } = await startTransport(gateway, dir, { onFatal: (e) => fatal.push(e) });
      await waitUntil(() => connection.ready, 5000, "welcome");
      gateway.closeConnections(CloseCode.unauthorized, "revoked");
      await waitUntil(() => fatal.length === 1, 5000, "fatal");
      expect(fatal[0]?.code).toBe("unauthorized");
      expect(connection.state).toBe("stopped");
      await sleep(150);
      expect(gateway.framesOf("hello").length).toBe(1);
    }));

  it("stops retrying when the upgrade is refused with HTTP 401", async () => {
    const gateway = await startGateway();
    const fatal: AgentError[] = [];
    const connection = new AgentConnection({
      url: gatewayUrl(gateway.url),
      agentId: "agt_unknown",
      secret: "wrong",
      protocol: PROTOCOL_VERSION,
      hello: () => ({ agentVersion: "0.0.0-test", bootId: "b", drivers: [], intervalMs: 5000 }),
      logger,
      backoff: { baseMs: 10, capMs: 20 },
      handlers: { onFatal: (e) => fatal.push(e) },
    });
    cleanup.push(() => connection.stop());
    connection.start();
    await waitUntil(() => fatal.length === 1, 5000, "fatal");
    expect(fatal[0]?.message).toMatch(/HTTP 401/);
  });

  it("keeps retrying with backoff while the server is unreachable, then connects", async () => {
    const gateway = await startGateway();
    const agent = gateway.addAgent();
    const url = gatewayUrl(gateway.url);
    await gateway.close(); // nothing listens on that port for now
    const disconnects: number[] = [];
    const connection = new AgentConnection({
      url,
      agentId: agent.agentId,
      secret: agent.secret,
      protocol: PROTOCOL_VERSION,
      hello: () => ({ agentVersion: "0.0.0-test", bootId: "b", drivers: [], intervalMs: 5000 }),
      logger,
      backoff: { baseMs: 5, capMs: 20 },
      handlers: { onDisconnected: (i) => disconnects.push(i.code) },
    });
    cleanup.push(() => connection.stop());
    connection.start();
    await waitUntil(() => disconnects.length >= 3, 5000, "three failed attempts");
    expect(connection.state).not.toBe("stopped");
  });
});
