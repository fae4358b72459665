// The QMP client against a scripted QMP server on a unix socket (the real QEMU is exercised in
// test/system/qemu-driver.test.ts).
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withTempDir } from "../../testing/helpers.js";
import {
  connectQmpWithRetry,
  QmpClient,
  QmpClosedError,
  QmpError,
  type QmpEvent,
  QmpTimeoutError,
} from "./qmp-client.js";

const GREETING = {
  QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: "test" }, capabilities: ["oob"] },
};

type Handler = (message: { execute: string; arguments?: unknown; id?: string }, socket: Socket) => void;

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A QMP server that greets, accepts qmp_capabilities, and hands other commands to `handle`. */
function fakeQmp(path: string, handle: Handler, options: { greet?: boolean } = {}): Promise<Server> {
  const server = createServer((socket) => {
    if (options.greet !== false) socket.write(`${JSON.stringify(GREETING)}\r\n`);
    let buffer = "";
    socket.on("data", (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
        const message = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        if (message.execute === "qmp_capabilities")
          socket.write(`${JSON.stringify({ return: {}, id: message.id })}\r\n`);
        else handle(message, socket);
      }
    });
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

const reply = (socket: Socket, value: object) => socket.write(`${JSON.stringify(value)}\r\n`);

describe("QmpClient", () => {
  it("negotiates, then matches replies to commands by id even when they come out of order", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "qmp.sock");
      const held: { id?: string; socket: Socket }[] = [];
      await fakeQmp(path, (m, socket) => {
        if (m.execute === "slow") held.push({ socket, ...(m.id ? { id: m.id } : {}) });
        else {
          reply(socket, { return: { status: "running" }, id: m.id });
          for (const h of held.splice(0)) reply(h.socket, { return: "late one", id: h.id });
        }
      });
      const qmp = await QmpClient.connect(path);
      expect(qmp.greeting?.version.qemu.major).toBe(7);
      const slow = qmp.execute("slow");
      const fast = qmp.execute<{ status: string }>("query-status");
      expect(await fast).toEqual({ status: "running" });
      expect(await slow).toBe("late one");
      qmp.close();
    }));

  it("rejects with QEMU's error class and times out a command that gets no reply", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "qmp.sock");
      await fakeQmp(path, (m, socket) => {
        if (m.execute === "bad") reply(socket, { error: { class: "CommandNotFound", desc: "no such" }, id: m.id });
      });
      const qmp = await QmpClient.connect(path);
      const bad = await qmp.execute("bad").catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(QmpError);
      expect(bad).toMatchObject({ errorClass: "CommandNotFound", command: "bad" });
      await expect(qmp.execute("silent", undefined, { timeoutMs: 50 })).rejects.toBeInstanceOf(QmpTimeoutError);
      qmp.close();
    }));

  it("delivers events with QEMU's timestamp, and fails pending commands when the socket closes", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "qmp.sock");
      await fakeQmp(path, (m, socket) => {
        if (m.execute === "stop") {
          reply(socket, { event: "STOP", timestamp: { seconds: 1700000000, microseconds: 250000 } });
          reply(socket, { return: {}, id: m.id });
        } else if (m.execute === "quit") socket.destroy();
      });
      const qmp = await QmpClient.connect(path);
      const events: QmpEvent[] = [];
      qmp.onEvent((e) => events.push(e));
      const closed = new Promise<Error>((resolve) => qmp.onClose(resolve));
      await qmp.execute("stop");
      expect(events).toEqual([{ event: "STOP", data: {}, ts: 1700000000250 }]);
      await expect(qmp.execute("quit")).rejects.toBeInstanceOf(QmpClosedError);
      expect(await closed).toBeInstanceOf(QmpClosedError);
      expect(qmp.closed).toBe(true);
      await expect(qmp.execute("query-status")).rejects.toBeInstanceOf(QmpClosedError);
    }));

  it("gives up on a monitor that accepts but never greets (held by another client)", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "qmp.sock");
      await fakeQmp(path, () => undefined, { greet: false });
      await expect(QmpClient.connect(path, { timeoutMs: 100 })).rejects.toBeInstanceOf(QmpTimeoutError);
    }));

  it("retries until the socket appears", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "late.sock");
      setTimeout(() => void fakeQmp(path, () => undefined), 150);
      const qmp = await connectQmpWithRetry(path, { deadlineMs: 3000, retryMs: 20 });
      expect(qmp.closed).toBe(false);
      qmp.close();
      await expect(connectQmpWithRetry(join(dir, "never.sock"), { deadlineMs: 100, retryMs: 20 })).rejects.toThrow();
    }));
});
