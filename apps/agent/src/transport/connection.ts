/**
 * The agent's WebSocket link to the gateway: connect, `hello`, wait for `welcome`, keep the link
 * alive, and reconnect with backoff when it drops. It knows frames, not what they mean: the
 * Agent reacts to welcome, acks and commands through the handlers.
 */
import {
  type AckFrame,
  type AgentFrameInput,
  type CancelFrame,
  CloseCode,
  type CommandFrame,
  decodeServerFrame,
  type ErrorFrame,
  type HelloFrame,
  MAX_FRAME_BYTES,
  type ServerFrame,
  type WelcomeFrame,
} from "@flotilla/protocol";
import WebSocket from "ws";
import type { AgentError } from "../errors.js";
import type { Logger } from "../logger.js";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { startKeepalive } from "./keepalive.js";
import { refusalFromClose, refusalFromError, refusalFromStatus } from "./refusals.js";

export interface ConnectionHandlers {
  /** The server accepted the hello; frames may flow now. */
  onWelcome(frame: WelcomeFrame): void;
  onAck(frame: AckFrame): void;
  onCommand(frame: CommandFrame): void;
  /** The server asks to stop a command (it may not have been received yet). */
  onCancel(frame: CancelFrame): void;
  /** A `command` frame that failed the schema: an unknown command, or a known one with a bad payload. */
  onUnreadableCommand(commandId: string, name: string | undefined, problem: string): void;
  onServerError(frame: ErrorFrame): void;
  /** The link went down; a reconnect follows unless the connection was stopped or refused for good. */
  onDisconnected(info: { code: number; reason: string; wasReady: boolean }): void;
  /** The server refused this agent for good (credential revoked, protocol too old); no more retries. */
  onFatal(error: AgentError): void;
}

export type HelloFields = Omit<HelloFrame, "type" | "protocol" | "agentId" | "capabilities"> & {
  capabilities?: string[];
};

export interface AgentConnectionOptions {
  /** ws:// or wss:// URL of the gateway endpoint. */
  url: string;
  agentId: string;
  /** Never logged. */
  secret: string;
  protocol: number;
  /** Built afresh for every connection attempt (the interval may have changed). */
  hello: () => HelloFields;
  handlers: Partial<ConnectionHandlers>;
  logger: Logger;
  backoff?: BackoffOptions;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs?: number;
  /** Time allowed from TCP connect to `welcome`. */
  handshakeTimeoutMs?: number;
  /** WebSocket-level ping period; no pong by the next ping means the link is dead. */
  keepaliveMs?: number;
  random?: () => number;
}

export type ConnectionState = "idle" | "connecting" | "ready" | "waiting" | "stopped";

export class AgentConnection {
  private ws: WebSocket | undefined;
  private currentState: ConnectionState = "idle";
  private attempt = 0;
  private connections = 0;
  private welcomedAt: number | undefined;
  private log: Logger;
  private retryTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private stopKeepalive: () => void = () => {};
  private fatal: AgentError | undefined;
  private lastError: string | undefined;
  private closed: Promise<void> = Promise.resolve();
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: AgentConnectionOptions) {
    this.log = options.logger;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** True between `welcome` and the link going down: frames sent now reach the server's handlers. */
  get ready(): boolean {
    return this.currentState === "ready";
  }

  /** Bytes queued in the socket, for callers that want to hold back. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  start(): void {
    if (this.currentState !== "idle") return;
    this.connect();
  }

  /** Closes the link (1000) and stops reconnecting; resolves once the socket is closed. */
  async stop(): Promise<void> {
    if (this.currentState === "stopped") return this.closed;
    this.currentState = "stopped";
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const force = setTimeout(() => ws.terminate(), 2000);
      if (ws.readyState === WebSocket.OPEN) ws.close(CloseCode.normal, "agent stopping");
      else ws.terminate();
      await this.closed;
      clearTimeout(force);
    }
  }

  /** Drops the current link (e.g. acks stopped coming) and reconnects through the usual backoff. */
  reconnect(reason: string): void {
    if (!this.ws || this.currentState === "stopped") return;
    this.log.warn({ reason }, "dropping connection to reconnect");
    this.ws.terminate();
  }

  /** Sends a frame once the server has welcomed this agent; false when not connected. */
  send(frame: AgentFrameInput): boolean {
    return this.sendText(JSON.stringify(frame));
  }

  /** Sends an already-encoded frame (a spooled metrics batch); false when not connected. */
  sendText(text: string): boolean {
    if (!this.ready || !this.ws) return false;
    this.ws.send(text);
    return true;
  }

  private connect(): void {
    this.connections++;
    // The caller's logger already names the agent; each connection attempt gets its own child.
    this.log = this.options.logger.child({ conn: this.connections });
    this.currentState = "connecting";
    this.fatal = undefined;
    this.lastError = undefined;
    this.welcomedAt = undefined;
    this.log.debug({ url: this.options.url }, "connecting");

    const ws = new WebSocket(this.options.url, {
      headers: { Authorization: `Bearer ${this.options.agentId}.${this.options.secret}` },
      handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
      maxPayload: MAX_FRAME_BYTES,
      // Compression would cost ~300 KB of zlib state per connection; sim runs hundreds.
      perMessageDeflate: false,
    });
    this.ws = ws;
    let resolveClosed: () => void = () => {};
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });

    ws.on("unexpected-response", (_req, res) => {
      const status = res.statusCode ?? 0;
      this.fatal = refusalFromStatus(status);
      this.log.warn({ status }, "gateway refused the WebSocket upgrade");
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => this.onOpen(ws));
    ws.on("message", (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on("error", (error) => {
      this.lastError = error.message;
    });
    ws.on("close", (code, reason) => {
      this.onClose(code, reason.toString());
      resolveClosed();
    });
  }

  private onOpen(ws: WebSocket): void {
    const hello = this.options.hello();
    ws.send(
      JSON.stringify({
        type: "hello",
        protocol: this.options.protocol,
        agentId: this.options.agentId,
        capabilities: [],
        ...hello,
      }),
    );
    this.handshakeTimer = setTimeout(() => {
      this.log.warn("no welcome from the server in time");
      ws.terminate();
    }, this.options.handshakeTimeoutMs ?? 10_000);
    this.stopKeepalive = startKeepalive(ws, this.options.keepaliveMs ?? 15_000, () => {
      this.log.warn("no pong from the server: link is dead");
      ws.terminate();
    });
  }

  private onMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) {
      this.log.warn("ignoring a binary frame");
      return;
    }
    const text = data.toString();
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) {
      this.onBadFrame(text, decoded.error.message);
      return;
    }
    try {
      this.dispatch(ws, decoded.frame);
    } catch (error) {
      // A handler bug must not take the connection or the process down.
      this.log.error({ err: error, type: decoded.frame.type }, "error handling a server frame");
    }
  }

  private dispatch(ws: WebSocket, frame: ServerFrame): void {
    const handlers = this.options.handlers;
    switch (frame.type) {
      case "ping":
        ws.send(JSON.stringify({ type: "pong", nonce: frame.nonce }));
        return;
      case "pong":
        return;
      case "error":
        this.onErrorFrame(frame);
        return;
      case "welcome":
        if (this.currentState === "ready") {
          this.log.warn("ignoring a second welcome");
          return;
        }
        clearTimeout(this.handshakeTimer);
        this.currentState = "ready";
        this.welcomedAt = Date.now();
        this.log.info({ hostId: frame.hostId, lastSeq: frame.lastSeq }, "connected");
        handlers.onWelcome?.(frame);
        return;
    }
    if (this.currentState !== "ready") {
      this.log.warn({ type: frame.type }, "ignoring a frame that came before welcome");
      return;
    }
    if (frame.type === "ack") handlers.onAck?.(frame);
    else if (frame.type === "cancel") handlers.onCancel?.(frame);
    else handlers.onCommand?.(frame);
  }

  private onErrorFrame(frame: ErrorFrame): void {
    this.log.warn({ code: frame.code, ref: frame.ref, message: frame.message }, "server reported an error");
    this.fatal = refusalFromError(frame) ?? this.fatal;
    this.options.handlers.onServerError?.(frame);
  }

  /** An undecodable frame is logged and skipped; a command we cannot read still gets an answer. */
  private onBadFrame(text: string, message: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {}
    const frame = value as { type?: unknown; id?: unknown; command?: { name?: unknown } } | undefined;
    if (this.ready && frame?.type === "command" && typeof frame.id === "string" && frame.id.length > 0) {
      const name = typeof frame.command?.name === "string" ? frame.command.name : undefined;
      this.options.handlers.onUnreadableCommand?.(frame.id.slice(0, 200), name, message);
      return;
    }
    this.log.warn(
      { message, type: typeof frame?.type === "string" ? frame.type : undefined },
      "ignoring an invalid server frame",
    );
  }

  private onClose(code: number, reason: string): void {
    clearTimeout(this.handshakeTimer);
    this.stopKeepalive();
    const wasReady = this.currentState === "ready";
    const stableFor = this.welcomedAt === undefined ? 0 : Date.now() - this.welcomedAt;
    this.ws = undefined;
    this.fatal = refusalFromClose(code, reason, this.options.protocol) ?? this.fatal;
    if (this.currentState !== "stopped") this.currentState = "waiting";
    this.options.handlers.onDisconnected?.({ code, reason, wasReady });

    if (this.currentState === "stopped") {
      this.log.info("disconnected (stopping)");
      return;
    }
    if (this.fatal) {
      this.currentState = "stopped";
      this.log.error({ code, reason }, `${this.fatal.message}; not reconnecting`);
      this.options.handlers.onFatal?.(this.fatal);
      return;
    }
    if (stableFor >= (this.options.stableAfterMs ?? 30_000)) this.attempt = 0;
    if (code === CloseCode.replaced) {
      this.log.warn("another connection with this agent's credential replaced this one");
    }
    const delay = backoffDelay(this.attempt++, this.backoff, this.options.random);
    // Say so when a good link drops and while the server stays unreachable, without flooding the log.
    const level = wasReady || this.attempt === 1 || this.attempt % 10 === 0 ? "warn" : "debug";
    const detail = {
      code,
      reason: reason || undefined,
      error: this.lastError,
      retryInMs: delay,
      attempt: this.attempt,
    };
    this.log[level](detail, wasReady ? "disconnected" : "cannot connect to the server");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
