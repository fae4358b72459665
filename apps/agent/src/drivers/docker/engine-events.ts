/**
 * The engine's container event stream (`GET /events`), kept open: when it ends or fails (engine
 * restarted, socket gone) it is reopened with backoff, and the owner is told so it can resync
 * what it missed meanwhile.
 */
import type Dockerode from "dockerode";
import type { Logger } from "../../logger.js";
import { type BackoffOptions, backoffDelay } from "../../transport/backoff.js";

/** One container event as both engines send it. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  /** Older engines put the action here. */
  status?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  id?: string;
  time?: number;
}

export interface EngineEventHandlers {
  onEvent(event: EngineEvent): void;
  /** The stream is open (again): whatever happened while it was not has to be looked up. */
  onConnected(): void;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, capMs: 10_000 };
const STABLE_AFTER_MS = 30_000;

export class EngineEventStream {
  private stream: NodeJS.ReadableStream | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = true;
  private isConnected = false;

  constructor(
    private readonly docker: Dockerode,
    private readonly handlers: EngineEventHandlers,
    private readonly logger: Logger,
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  get connected(): boolean {
    return this.isConnected;
  }

  /** Opens the stream; resolves once the first attempt has succeeded or failed (retries go on). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const stream = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    this.stream = undefined;
    this.isConnected = false;
    stream?.removeAllListeners();
    stream?.on("error", () => {}); // destroying may still emit one
    stream?.destroy?.();
  }

  private async open(): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({ filters: { type: ["container"] } });
    } catch (error) {
      this.retry(error);
      return;
    }
    if (this.stopped) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    this.stream = stream;
    this.isConnected = true;
    const openedAt = Date.now();
    let buffered = "";
    stream.on("data", (chunk: Buffer | string) => {
      // Events are newline-delimited JSON; a chunk may end mid-event.
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) this.dispatch(line);
        newline = buffered.indexOf("\n");
      }
    });
    let ended = false;
    const end = (error?: unknown) => {
      if (ended || this.stream !== stream) return;
      ended = true;
      this.stream = undefined;
      this.isConnected = false;
      // Back off afresh only after a stream that lasted: one that keeps dropping at once is a fault.
      if (Date.now() - openedAt > STABLE_AFTER_MS) this.attempt = 0;
      this.retry(error ?? new Error("event stream ended"));
    };
    stream.on("end", () => end());
    stream.on("close", () => end());
    stream.on("error", (error: unknown) => end(error));
    this.handlers.onConnected();
  }

  private dispatch(line: string): void {
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      this.logger.warn({ line: line.slice(0, 200) }, "unreadable engine event");
      return;
    }
    this.handlers.onEvent(event);
  }

  private retry(error: unknown): void {
    if (this.stopped) return;
    const attempt = this.attempt++;
    const delay = backoffDelay(attempt, this.backoff);
    // Once per outage at warn: an engine that stays down would fill the log.
    const level = attempt === 0 ? "warn" : "debug";
    this.logger[level]({ err: error, retryInMs: delay }, "container engine event stream lost; reconnecting");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), delay);
  }
}
