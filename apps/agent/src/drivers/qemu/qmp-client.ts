/**
 * A small client for QMP, QEMU's JSON-lines control protocol on a unix socket: greeting and
 * capabilities negotiation, replies matched to commands by id, a timeout per command, and
 * asynchronous events passed to listeners. A QMP monitor serves one client at a time, so a
 * client that is connected holds the monitor until it closes.
 */
import { connect, type Socket } from "node:net";

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package?: string };
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  /** Milliseconds since the epoch, from QEMU's own timestamp. */
  ts: number;
}

/** QEMU answered a command with an error (`class` is QMP's error class, e.g. GenericError). */
export class QmpError extends Error {
  override readonly name = "QmpError";
  constructor(
    readonly errorClass: string,
    message: string,
    readonly command: string,
  ) {
    super(`${command}: ${message}`);
  }
}

export class QmpTimeoutError extends Error {
  override readonly name = "QmpTimeoutError";
}

export class QmpClosedError extends Error {
  override readonly name = "QmpClosedError";
}

export interface QmpConnectOptions {
  /** For connect + greeting + negotiation together. */
  timeoutMs?: number;
  /** Default timeout of `execute`. */
  commandTimeoutMs?: number;
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** QMP lines are small; a peer sending megabytes without a newline is not QEMU. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;

export class QmpClient {
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly closeListeners = new Set<(error: Error) => void>();
  private closedWith: Error | undefined;
  private greeted: ((greeting: QmpGreeting) => void) | undefined;
  greeting: QmpGreeting | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (error) => this.shutdown(error));
    socket.on("close", () => this.shutdown(new QmpClosedError("QMP connection closed")));
  }

  /** Connects to a QMP socket, waits for the greeting and leaves negotiation mode. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const socket = connect(path);
    const client = new QmpClient(socket, options.commandTimeoutMs ?? 10_000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          client.greeted = () => resolve();
          client.onClose(reject);
        }),
        new Promise<never>((_, reject) => {
          // A monitor held by another client accepts the connection but never greets.
          timer = setTimeout(
            () => reject(new QmpTimeoutError(`no QMP greeting on ${path} within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      await client.execute("qmp_capabilities", undefined, { timeoutMs });
      return client;
    } catch (error) {
      client.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Runs one command; resolves with its `return` value. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    if (this.closedWith) return Promise.reject(new QmpClosedError(`${command}: ${this.closedWith.message}`));
    const id = `flotilla-${this.nextId++}`;
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A late reply for this id is dropped in onMessage.
        this.pending.delete(id);
        reject(new QmpTimeoutError(`${command}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(
        `${JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id })}\n`,
      );
    });
  }

  /** Listens to QMP events; returns the function that stops listening. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called once when the connection ends, with the reason. */
  onClose(listener: (error: Error) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.add(listener);
  }

  close(): void {
    this.shutdown(new QmpClosedError("QMP connection closed by the client"));
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onLine(line);
      newline = this.buffer.indexOf("\n");
    }
    if (this.buffer.length > MAX_LINE_BYTES) {
      this.socket.destroy(new Error("QMP line too long"));
    }
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.socket.destroy(new Error(`QMP sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (message.QMP) {
      this.greeting = message.QMP as QmpGreeting;
      this.greeted?.(this.greeting);
      this.greeted = undefined;
    } else if (typeof message.event === "string") {
      const stamp = message.timestamp as { seconds?: number; microseconds?: number } | undefined;
      const ts = stamp?.seconds ? stamp.seconds * 1000 + Math.floor((stamp.microseconds ?? 0) / 1000) : Date.now();
      const event: QmpEvent = { event: message.event, data: (message.data as Record<string, unknown>) ?? {}, ts };
      for (const listener of this.eventListeners) listener(event);
    } else {
      this.onReply(message);
    }
  }

  private onReply(message: Record<string, unknown>): void {
    const id = typeof message.id === "string" ? message.id : undefined;
    const pending = id ? this.pending.get(id) : undefined;
    // Replies without our id: answers to commands that already timed out, or QEMU refusing a
    // line it could not parse (which our JSON.stringify never produces).
    if (!id || !pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const error = message.error as { class?: string; desc?: string } | undefined;
    if (error) pending.reject(new QmpError(error.class ?? "GenericError", error.desc ?? "error", pending.command));
    else pending.resolve(message.return);
  }

  private shutdown(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new QmpClosedError(`${pending.command}: ${error.message}`));
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(error);
    this.closeListeners.clear();
    this.eventListeners.clear();
  }
}

/**
 * Connects, retrying while the socket is missing or refusing (QEMU still starting, or a monitor
 * briefly held by another client) until `deadlineMs` has passed.
 */
export async function connectQmpWithRetry(
  path: string,
  options: QmpConnectOptions & { deadlineMs?: number; retryMs?: number } = {},
): Promise<QmpClient> {
  const deadline = Date.now() + (options.deadlineMs ?? 10_000);
  for (;;) {
    try {
      return await QmpClient.connect(path, {
        ...options,
        timeoutMs: Math.max(100, Math.min(options.timeoutMs ?? 5000, deadline - Date.now())),
      });
    } catch (error) {
      if (Date.now() + (options.retryMs ?? 100) >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 100));
    }
  }
}
