/**
 * Moves spooled metrics batches onto the connection: in seq order, at most `maxInFlight` unacked
 * at a time, starting over from the oldest unacked batch on every new connection.
 */
import type { Logger } from "../logger.js";
import type { Spool } from "./spool.js";

export interface BatchSenderOptions {
  spool: Spool;
  /** Sends an encoded frame; false when the link is down. */
  send: (text: string) => boolean;
  logger: Logger;
  maxInFlight?: number;
  /** An in-flight batch unacked for this long means the link is stuck. */
  ackTimeoutMs?: number;
}

/** Connections a batch may go unacked on before it is given up. */
const MAX_ATTEMPTS = 3;

export class BatchSender {
  /** Sent on this connection and not acked yet: seq -> time sent. */
  private readonly inFlight = new Map<number, number>();
  /** How often each unacked batch was sent, over all connections. */
  private readonly attempts = new Map<number, number>();
  /** Highest seq sent on this connection. */
  private cursor = 0;
  private active = false;
  private pumping = false;
  /** Bumped on every (re)connect, so a pump from an old link stops sending. */
  private generation = 0;
  private readonly maxInFlight: number;

  constructor(private readonly options: BatchSenderOptions) {
    this.maxInFlight = options.maxInFlight ?? 32;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * A new connection was welcomed: forget what was in flight on the old one and the batches the
   * server already committed. Sending waits for `resume()` (the inventory goes first).
   */
  async reset(serverLastSeq: number): Promise<void> {
    this.pause();
    const dropped = await this.options.spool.removeThrough(serverLastSeq);
    if (dropped > 0) this.options.logger.debug({ dropped, serverLastSeq }, "server already had these batches");
    this.cursor = 0;
    for (const seq of this.attempts.keys()) if (!this.options.spool.has(seq)) this.attempts.delete(seq);
  }

  resume(): void {
    this.active = true;
    void this.pump();
  }

  /** The link went down. */
  pause(): void {
    this.active = false;
    this.generation++;
    this.inFlight.clear();
  }

  /** New batches were spooled. */
  notify(): void {
    if (this.active) void this.pump();
  }

  async ack(seq: number): Promise<void> {
    this.inFlight.delete(seq);
    this.attempts.delete(seq);
    await this.options.spool.remove(seq);
    this.notify();
  }

  /** The server refused a batch for good (it failed validation): drop it rather than resend it forever. */
  async reject(seq: number): Promise<void> {
    this.attempts.delete(seq);
    if (!this.inFlight.delete(seq) && !this.options.spool.has(seq)) return;
    await this.options.spool.reject(seq);
    this.notify();
  }

  /**
   * Called every tick. When the oldest in-flight batch has waited past the ack timeout the link
   * is presumed stuck ("reconnect"), unless that batch already went unacked on
   * MAX_ATTEMPTS connections: the server evidently refuses it, so it is dropped (and reported
   * as a gap) instead of blocking a reconnect loop forever.
   */
  async checkAcks(now = Date.now()): Promise<"ok" | "reconnect"> {
    const timeout = this.options.ackTimeoutMs ?? 60_000;
    const [oldest] = this.inFlight;
    if (!oldest || now - oldest[1] <= timeout) return "ok";
    const [seq] = oldest;
    if ((this.attempts.get(seq) ?? 0) >= MAX_ATTEMPTS) {
      this.options.logger.error({ seq }, "the server never acknowledged this batch; dropping it");
      await this.reject(seq);
      return "ok";
    }
    return "reconnect";
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const generation = this.generation;
    try {
      while (this.active && generation === this.generation && this.inFlight.size < this.maxInFlight) {
        const seq = this.options.spool.nextAfter(this.cursor);
        if (seq === undefined) break;
        const text = await this.options.spool.read(seq);
        if (generation !== this.generation) break;
        this.cursor = seq;
        if (text === undefined) continue; // dropped meanwhile
        if (!this.options.send(text)) break;
        this.inFlight.set(seq, Date.now());
        this.attempts.set(seq, (this.attempts.get(seq) ?? 0) + 1);
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "failed to send spooled metrics");
    } finally {
      this.pumping = false;
    }
    // Something may have changed while the last read was pending.
    if (this.active && generation !== this.generation) void this.pump();
  }
}
