/**
 * The WebSocket class of the agent gateway: events go straight to the socket's AgentConnection,
 * and nothing is kept per socket that an idle agent link does not need (issue 9: 10,000 per process).
 */
import type { Buffer } from "node:buffer";
import { type RawData, WebSocket } from "ws";
import type { AgentConnection } from "./agent-connection.js";

const NO_EXTENSIONS: Readonly<Record<string, unknown>> = Object.freeze({});
/** Pongs owed to a peer that is not reading them: past this many, its pings go unanswered. */
const MAX_PENDING_PONGS = 16;

/**
 * The gateway's WebSocket class (WebSocketServer's `WebSocket` option). Its events go straight to
 * its AgentConnection: listeners would cost each socket an events dictionary (~350 bytes), and
 * ws's own auto-pong a closure and context (~80 bytes). It answers pings itself instead.
 */
export class AgentSocket extends WebSocket {
  /**
   * EventEmitter starts every emitter with a prototype-less events dictionary (~250 bytes).
   * Node's own streams start with a small object of known keys instead: the same here (this
   * field replaces it once the constructor has run). Only "close" is listened for on these sockets.
   */
  _events: Record<string, unknown> = { close: undefined };
  /** No extensions are negotiated (perMessageDeflate is off): one shared, frozen empty set for all. */
  _extensions: Readonly<Record<string, unknown>> = NO_EXTENSIONS;
  connection: AgentConnection | null = null;
  pendingPongs = 0;
  private corked = false;

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const connection = this.connection;
    if (connection === null) return event === "error" ? false : super.emit(event, ...args);
    switch (event) {
      case "message":
        connection.handleMessage(args[0] as RawData, args[1] as boolean);
        return true;
      case "ping":
        this.answerPing(args[0] as Buffer);
        return true;
      case "pong":
        connection.alive = true;
        return true;
      case "error":
        connection.log.warn({ err: (args[0] as Error).message }, "agent socket error");
        return true;
      case "close":
        connection.handleClose(args[0] as number, args[1] as Buffer);
        return super.emit(event, ...args);
      default:
        return super.emit(event, ...args);
    }
  }

  /**
   * Holds this socket's writes until the next tick, so frames sent meanwhile (the acks of batches
   * committed together) leave in one write (syscall) instead of one each. `_socket` is ws's
   * net.Socket; guarded like releaseReadBuffers.
   */
  corkUntilNextTick() {
    const socket = (this as unknown as { _socket?: import("node:net").Socket })._socket;
    if (this.corked || !socket || this.readyState !== this.OPEN) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private answerPing(data: Buffer) {
    if (this.readyState !== this.OPEN || this.pendingPongs >= MAX_PENDING_PONGS) return;
    this.pendingPongs += 1;
    this.pong(data, false, pongWritten.bind(this));
  }
}

type ReceiverInternals = { _buffers?: unknown[] };

/**
 * ws's receiver keeps its chunk list array for the socket's lifetime, and one push gives it room
 * for 17 chunks (~180 bytes) that an idle link never needs again. Once it holds nothing, a fresh
 * empty array (no backing store) takes its place. Guarded: with another ws layout this does nothing.
 */
export function releaseReadBuffers(ws: AgentSocket) {
  const receiver = (ws as unknown as { _receiver?: ReceiverInternals })._receiver;
  if (receiver && Array.isArray(receiver._buffers) && receiver._buffers.length === 0) receiver._buffers = [];
}

function pongWritten(this: AgentSocket) {
  this.pendingPongs -= 1;
}
