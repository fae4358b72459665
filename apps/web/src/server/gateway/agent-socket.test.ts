// AgentSocket over a real loopback WebSocket: its events reach the AgentConnection without
// listeners, heartbeat pongs mark the link alive, and "close" listeners still work.
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import type { Logger } from "../logger.js";
import { silentLogger } from "../testing/test-server.js";
import { AgentConnection, type ConnectionDeps } from "./agent-connection.js";
import { AgentSocket } from "./agent-socket.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A gateway-shaped server (same ws options) and one client linked to it. */
async function link(clientOptions: WebSocket.ClientOptions = {}) {
  const released: AgentConnection[] = [];
  const deps = {
    log: silentLogger() as unknown as Logger,
    commands: { agentGone() {} },
    release: (c: AgentConnection) => released.push(c),
  } as unknown as ConnectionDeps;
  const wss = new WebSocketServer({
    port: 0,
    host: "127.0.0.1",
    clientTracking: false,
    perMessageDeflate: false,
    autoPong: false,
    WebSocket: AgentSocket,
  });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const accepted = new Promise<{ socket: AgentSocket; connection: AgentConnection }>((resolve) =>
    wss.on("connection", (ws) => {
      const socket = ws as AgentSocket;
      const connection = new AgentConnection(
        socket,
        { agentId: "a1", hostId: "h1", orgId: "o1", intervalMs: 1000 },
        deps,
      );
      resolve({ socket, connection });
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
    ...clientOptions,
  });
  cleanups.push(() => {
    client.terminate();
    wss.close();
  });
  await new Promise((resolve) => client.once("open", resolve));
  return { client, released, ...(await accepted) };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("AgentSocket", () => {
  it("marks the link alive when the agent answers the heartbeat ping", async () => {
    const { connection } = await link();
    connection.ping();
    expect(connection.alive).toBe(false);
    await until(() => connection.alive);
  });

  it("leaves a link that does not answer pings marked dead", async () => {
    const { connection } = await link({ autoPong: false });
    connection.ping();
    await new Promise((r) => setTimeout(r, 300));
    expect(connection.alive).toBe(false);
  });

  it("hands messages to its connection (a frame before hello is refused)", async () => {
    const { client } = await link();
    const frames: string[] = [];
    client.on("message", (data) => frames.push(data.toString()));
    const closed = new Promise<number>((resolve) => client.once("close", resolve));
    client.send(JSON.stringify({ type: "ping", nonce: "n" }));
    expect(await closed).toBe(4003);
    expect(JSON.parse(frames[0] ?? "{}")).toMatchObject({ type: "error", code: "unexpected_frame" });
  });

  it("tells its connection and any close listener when the link closes", async () => {
    const { client, socket, connection, released } = await link();
    const heard = new Promise<number>((resolve) => socket.once("close", resolve));
    client.close(1000, "bye");
    expect(await heard).toBe(1000);
    expect(released).toEqual([connection]);
    expect(connection.isOpen).toBe(false);
  });
});
