/**
 * One agent's WebSocket, from `hello` to close. Frames are validated one by one; the work
 * they cause (database writes, then acks and browser updates) runs through a per-connection
 * queue, so an agent's batches are stored and acknowledged strictly in order.
 * Nothing an agent sends may throw out of here: every handler is wrapped.
 */
import { type BatchStream, checkSamples, type SampleWriter, type StoreResult } from "@flotilla/db";
import {
  type AgentFrame,
  CloseCode,
  type CommandProgressFrame,
  type CommandResultFrame,
  decodeAgentFrame,
  type ErrorCode,
  type EventFrame,
  type HelloFrame,
  type InventoryFrame,
  type MetricsFrame,
  PROTOCOL_VERSION,
  type ServerFrameInput,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@flotilla/protocol";
import type { RawData } from "ws";
import { signalSamplesStored } from "../alerts/ingest-signal.js";
import type { AgentLink, CommandDispatcher } from "../commands/dispatcher.js";
import { applyInventory } from "../fleet/inventory.js";
import type { Logger } from "../logger.js";
import type { HostSeenBatcher } from "../metrics/host-seen-batcher.js";
import type { IngestRecorder } from "../metrics/ingest-stats.js";
import type { Services } from "../services.js";
import type { AgentIdentity } from "./agent-auth.js";
import { type HelloRecord, publishBatch, recordHostEvent } from "./agent-session.js";
import { type AgentSocket, releaseReadBuffers } from "./agent-socket.js";
import { toMetricBatch } from "./metrics-ingest.js";
import { withoutNul } from "./without-nul.js";

export const HANDSHAKE_TIMEOUT_MS = 10_000;
export const MAX_INVALID_IN_A_ROW = 20;
/** Frames waiting for the database before we stop reading from the socket. */
const MAX_QUEUED_FRAMES = 32;
/** Metrics batches of one link handed to the writer and not yet acked. */
const MAX_PIPELINED_BATCHES = 8;
/** Close code for "the server could not store your data; reconnect and resend". */
const CLOSE_INTERNAL_ERROR = 1011;

export interface ConnectionDeps extends Pick<Services, "prisma" | "pool" | "live"> {
  log: Logger;
  /** Sends this agent its commands once welcomed, and records what it reports about them. */
  commands: Pick<CommandDispatcher, "agentReady" | "agentGone" | "progress" | "result">;
  ingest: IngestRecorder;
  /** Stores batches, grouped with other agents' batches into shared transactions. */
  writer: SampleWriter;
  /** Keeps Host.lastSeenAt fresh, many hosts per UPDATE. */
  seen: HostSeenBatcher;
  /** Makes this the agent's only connection, closing (4004) and draining an older one first. */
  claim(connection: AgentConnection): Promise<void>;
  release(connection: AgentConnection): void;
  /** Records the hello (batched with other agents' hellos) and returns what `welcome` needs. */
  registerHello(identity: AgentIdentity, hello: HelloFrame): Promise<HelloRecord>;
}

type Phase = "handshake" | "greeting" | "ready" | "closed";

const SETTLED: Promise<void> = Promise.resolve();
/**
 * Memory per connection matters here (10,000 per process, issue 9): fields rather than closures,
 * nothing made before it is needed, and no copy of what `identity` already holds.
 */
export class AgentConnection implements AgentLink {
  /** When the socket opened: the gateway's one sweeper closes links still without hello after HANDSHAKE_TIMEOUT_MS. */
  readonly openedAt = Date.now();
  /** When its hello was recorded (0 before): a later hello of the same agent on another node replaces it. */
  welcomedAt = 0;
  /** Set by ws-level pongs; the gateway's heartbeat terminates links that stay silent. */
  alive = true;
  private phase: Phase = "handshake";
  private invalidInARow = 0;
  private queue: Promise<void> = SETTLED;
  private queued = 0;
  /** After a failed metrics write nothing more is stored on this link, so seqs stay in order. */
  private halted = false;
  /**
   * Metrics batches are handed to the writer as they arrive (up to MAX_PIPELINED_BATCHES not yet
   * acked), so one agent's backlog shares transactions and its acks leave together; the writer
   * keeps their commits in seq order on this stream (made with the first batch: an idle link
   * keeps no object for it), and `acks` sends the acks in frame order.
   */
  private stream: BatchStream | null = null;
  private acks: Promise<void> = SETTLED;
  private unacked = 0;
  /** From hello: the only part later frames need (null until then; metrics need it to be stored). */
  private bootId: string | null = null;
  private memoryCapacity = 0;
  private closeTimer: NodeJS.Timeout | null = null;
  private childLog: Logger | null = null;

  constructor(
    private readonly ws: AgentSocket,
    readonly identity: AgentIdentity,
    private readonly deps: ConnectionDeps,
  ) {
    ws.connection = this;
    if (deps.log.isLevelEnabled("debug")) this.log.debug("agent connected");
  }

  get agentId(): string {
    return this.identity.agentId;
  }

  get hostId(): string {
    return this.identity.hostId;
  }

  get orgId(): string {
    return this.identity.orgId;
  }

  /** Made on first use: at 10,000 connections a logger per idle link is memory for nothing. */
  get log(): Logger {
    this.childLog ??= this.deps.log.child({ agentId: this.agentId, hostId: this.hostId });
    return this.childLog;
  }

  get awaitingHello(): boolean {
    return this.phase === "handshake";
  }

  get isOpen(): boolean {
    return this.phase !== "closed";
  }

  /** Resolves when every frame received so far has been handled (metrics: acked or failed). */
  drained(): Promise<void> {
    return this.queue.then(() => this.acks);
  }

  /** False when the socket is not open and the frame was dropped. */
  send(frame: ServerFrameInput): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  close(code: number, reason: string): void {
    if (this.phase !== "closed") this.log.info({ code, reason }, "closing agent connection");
    this.phase = "closed";
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason.slice(0, 120));
      // A peer that never answers the close handshake is cut off.
      this.closeTimer ??= setTimeout(() => this.ws.terminate(), 5_000);
    }
  }

  /** Closes the TCP connection at once (dead link, or shutdown taking too long). */
  terminate(): void {
    this.phase = "closed";
    this.ws.terminate();
  }

  ping(): void {
    this.alive = false;
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  private sendError(code: ErrorCode, message: string, ref?: string) {
    this.send({ type: "error", code, message: message.slice(0, 4096), ...(ref ? { ref: ref.slice(0, 200) } : {}) });
  }

  /** @internal called by AgentSocket. */
  handleMessage(data: RawData, isBinary: boolean) {
    this.safely("message", () => this.onMessage(data, isBinary));
    releaseReadBuffers(this.ws);
  }

  /** @internal */
  handleClose(code: number, reason: Buffer) {
    this.safely("close", () => this.onClose(code, reason.toString()));
  }

  private onMessage(data: RawData, isBinary: boolean) {
    if (this.phase === "closed") return;
    if (isBinary) return this.onInvalid("frames must be JSON text messages, not binary");
    const raw = Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : Buffer.from(data as Buffer).toString("utf8");
    const decoded = decodeAgentFrame(withoutNul(raw));
    if (!decoded.ok) return this.onInvalid(decoded.error.message, decoded.error.ref);
    this.invalidInARow = 0;
    this.dispatch(decoded.frame);
  }

  private onInvalid(message: string, ref?: string) {
    this.invalidInARow += 1;
    this.log.warn({ ref, reason: message.slice(0, 500), inARow: this.invalidInARow }, "invalid frame from agent");
    this.sendError("invalid_frame", message, ref);
    if (this.invalidInARow >= MAX_INVALID_IN_A_ROW) {
      this.close(CloseCode.tooManyErrors, `${MAX_INVALID_IN_A_ROW} invalid frames in a row`);
    }
  }

  private dispatch(frame: AgentFrame) {
    if (this.phase === "handshake") {
      if (frame.type !== "hello") {
        this.sendError("unexpected_frame", "send hello first", frame.type);
        return this.close(CloseCode.handshake, "a frame before hello");
      }
      this.phase = "greeting";
      return this.enqueue("hello", () => this.onHello(frame));
    }
    switch (frame.type) {
      case "hello":
        return this.sendError("unexpected_frame", "hello was already received", "hello");
      case "ping":
        return this.send({ type: "pong", nonce: frame.nonce });
      case "pong":
        return;
      case "error":
        return this.log.warn({ code: frame.code, ref: frame.ref, reason: frame.message }, "agent reported an error");
      case "metrics":
        return this.enqueue("metrics", () => this.onMetrics(frame));
      case "inventory":
        return this.enqueue("inventory", () => this.onInventory(frame));
      case "event":
        return this.enqueue("event", () => this.onEvent(frame));
      case "command_progress":
      case "command_result":
        // In the connection's queue: a command's progress and result are applied in the order sent.
        return this.enqueue(frame.type, () => this.onCommandReport(frame));
    }
  }

  private enqueue(label: string, work: () => Promise<void>) {
    this.queued += 1;
    if (this.queued > MAX_QUEUED_FRAMES && !this.ws.isPaused) this.ws.pause();
    this.queue = this.queue.then(async () => {
      try {
        // Other frames still see every earlier metrics batch stored, as before pipelining.
        if (label !== "metrics") await this.acks;
        await work();
      } catch (err) {
        this.onHandlerError(label, err);
      } finally {
        this.queued -= 1;
        if (this.queued <= MAX_QUEUED_FRAMES / 2 && this.ws.isPaused) this.ws.resume();
        // Nothing left in line: an idle link keeps the shared settled promise, not a chain of its own.
        if (this.queued === 0) this.queue = SETTLED;
      }
    });
  }

  private safely(label: string, fn: () => void | Promise<void>) {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((err: unknown) => this.onHandlerError(label, err));
    } catch (err) {
      this.onHandlerError(label, err);
    }
  }

  private onHandlerError(label: string, err: unknown) {
    this.log.error({ err, frame: label }, "failed to handle agent frame");
    this.sendError("internal", `the server could not process this ${label} frame`, label);
  }

  private async onHello(hello: HelloFrame) {
    if (hello.agentId !== this.agentId) {
      this.sendError("unauthorized", "hello.agentId does not match the credential", "hello");
      return this.close(CloseCode.unauthorized, "agent id mismatch");
    }
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(hello.protocol)) {
      this.sendError(
        "protocol_version",
        `protocol ${hello.protocol} is not supported; this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`,
        "hello",
      );
      return this.close(CloseCode.protocolVersion, "unsupported protocol version");
    }
    await this.deps.claim(this);
    if (!this.isOpen) return;
    this.bootId = hello.bootId;
    const { lastSeq, memoryCapacity } = await this.deps.registerHello(this.identity, hello);
    this.memoryCapacity = memoryCapacity;
    if (!this.isOpen) return;
    this.phase = "ready";
    this.welcomedAt = Date.now();
    const { hostId } = this.identity;
    this.send({ type: "welcome", protocol: PROTOCOL_VERSION, hostId, serverTime: Date.now(), lastSeq });
    // After welcome on the same socket, so the agent is ready for them when they arrive.
    this.deps.commands.agentReady(this);
    if (this.deps.log.isLevelEnabled("debug"))
      this.log.debug(
        { agentVersion: hello.agentVersion, bootId: hello.bootId, intervalMs: hello.intervalMs, lastSeq },
        "agent said hello",
      );
  }

  /** Hands the batch to the writer in frame order; its ack follows in `acks` (see `stream`). */
  private async onMetrics(frame: MetricsFrame) {
    if (this.halted || this.bootId === null) return;
    if (this.unacked >= MAX_PIPELINED_BATCHES) await this.acks;
    if (this.halted) return;
    const batch = toMetricBatch(frame, {
      agentId: this.agentId,
      hostId: this.identity.hostId,
      bootId: this.bootId,
    });
    try {
      checkSamples(batch.samples);
    } catch (err) {
      // Valid JSON the table cannot hold (a rate beyond REAL's range): refused by seq, so the
      // agent drops that one batch instead of resending it forever, and the link goes on.
      return this.onInvalid(`metrics batch ${frame.seq}: ${(err as Error).message}`, String(frame.seq));
    }
    const started = performance.now();
    this.stream ??= {};
    const stored = this.deps.writer.write(batch, this.stream);
    // Handled in `acks` (not left unobserved meanwhile): a rejection is not "unhandled".
    stored.catch(() => {});
    this.unacked += 1;
    this.acks = this.acks.then(async () => {
      try {
        await this.afterStore(frame, batch.samples.length, stored, started);
      } catch (err) {
        this.onHandlerError("metrics", err);
      } finally {
        this.unacked -= 1;
      }
    });
  }

  private async afterStore(frame: MetricsFrame, samples: number, stored: Promise<StoreResult>, started: number) {
    let duplicate: boolean;
    try {
      ({ duplicate } = await stored);
      const seconds = (performance.now() - started) / 1000;
      this.deps.ingest.batch(duplicate ? "duplicate" : "stored", seconds, samples);
    } catch (err) {
      this.deps.ingest.batch("failed", 0, samples);
      // Later batches of this link fail with it (the writer refuses them): report the first only.
      if (this.halted) return;
      // Without this batch committed, later ones must not be stored either (the agent trusts
      // welcome.lastSeq as "everything up to here"): stop, and let the agent reconnect and resend.
      this.halted = true;
      this.log.error({ err, seq: frame.seq }, "storing a metrics batch failed");
      this.sendError("internal", "metrics could not be stored; reconnect and resend", String(frame.seq));
      this.close(CLOSE_INTERNAL_ERROR, "metrics storage failed");
      return;
    }
    // Acks of batches committed together leave in one write.
    this.ws.corkUntilNextTick();
    this.send({ type: "ack", seq: frame.seq, duplicate });
    if (duplicate) return;
    this.deps.seen.note(this.identity.hostId);
    publishBatch(this.deps, this.identity, frame.samples, this.memoryCapacity);
    signalSamplesStored(this.deps.pool, this.identity.hostId);
  }

  private async onInventory(frame: InventoryFrame) {
    if (this.bootId === null) return;
    const result = await applyInventory(this.deps.prisma, this.identity.hostId, frame);
    if (frame.host) this.memoryCapacity = frame.host.memoryBytes;
    this.log.debug({ full: frame.full, ...result }, "inventory applied");
    this.deps.live.hostInventory(this.identity.orgId, { hostId: this.identity.hostId });
  }

  private async onCommandReport(frame: CommandProgressFrame | CommandResultFrame) {
    if (this.bootId === null) return;
    const outcome =
      frame.type === "command_progress"
        ? await this.deps.commands.progress(this, frame)
        : await this.deps.commands.result(this, frame);
    if (outcome === "unknown") {
      this.sendError("unexpected_frame", "this host has no command with this id", frame.commandId);
    }
  }

  private async onEvent(frame: EventFrame) {
    if (this.bootId === null) return;
    await recordHostEvent(this.deps, this.identity.hostId, frame);
    // Browsers refresh a host's events and workload history on `host:inventory`, so an
    // event reaches an open Events tab at once instead of on its next poll.
    this.deps.live.hostInventory(this.identity.orgId, { hostId: this.identity.hostId });
  }

  private onClose(code: number, reason: string) {
    this.phase = "closed";
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.deps.commands.agentGone(this);
    this.deps.release(this);
    this.log.info({ code, reason: reason.slice(0, 120) }, "agent disconnected");
  }
}
