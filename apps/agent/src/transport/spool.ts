/**
 * Metrics batches between collection and the server's ack: numbered with a sequence that keeps
 * increasing across restarts, and kept on disk (one file per batch, the encoded frame) until
 * acked, so a restart or an outage loses nothing as long as the spool stays under its bound.
 * Over the bound, the oldest batches go first and a gap is reported.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { MAX_SAMPLES_PER_BATCH, type MetricsFrame, type Sample } from "@flotilla/protocol";
import type { Logger } from "../logger.js";
import { ensurePrivateDir, readFileIfExists, writeFileAtomic } from "../state/files.js";

/**
 * The spool's writes are synchronous: each tick writes one small batch file to a local state
 * directory (page cache, no fsync), and an async write costs several thread-pool round trips
 * (open, write, close, rename) and their promises, the largest share of the agent's CPU after
 * reading counters (test/bench/agent-resources.bench.ts).
 */

export interface SpoolGap {
  /** First and last seq of the dropped range (inclusive). */
  fromSeq: number;
  toSeq: number;
  batches: number;
  bytes: number;
  reason: "overflow" | "unreadable" | "rejected";
}

export interface SpoolOptions {
  /** Directory of batch files. */
  dir: string;
  /** File holding the last seq handed out. */
  seqFile: string;
  maxBytes: number;
  logger: Logger;
  onGap?: (gap: SpoolGap) => void;
  maxSamplesPerBatch?: number;
}

const SEQ_DIGITS = 16;
const FILE = /^(\d{16})\.json$/;
/** Freshly written batches kept in memory too, so sending them right away needs no read. */
const RECENT_TEXTS = 8;

export class Spool {
  /** Seqs on disk, ascending. */
  private readonly seqs: number[] = [];
  private readonly sizes = new Map<number, number>();
  private readonly recent = new Map<number, string>();
  private totalBytes = 0;
  private nextSeq: number;
  /** Appends run one after another so seq order, seq file and batch files agree. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: SpoolOptions,
    lastSeq: number,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  /** Opens (or creates) a spool, recovering the batches and the seq counter left by an earlier run. */
  static async open(options: SpoolOptions): Promise<Spool> {
    await ensurePrivateDir(options.dir);
    const saved = Number((await readFileIfExists(options.seqFile))?.trim() ?? 0);
    const found: Array<{ seq: number; bytes: number }> = [];
    for (const name of await readdir(options.dir)) {
      const match = FILE.exec(name);
      if (!match?.[1]) {
        // Left over from a write interrupted by a crash.
        if (name.endsWith(".tmp")) await rm(join(options.dir, name), { force: true });
        continue;
      }
      const { size } = await stat(join(options.dir, name));
      found.push({ seq: Number(match[1]), bytes: size });
    }
    found.sort((a, b) => a.seq - b.seq);
    const lastOnDisk = found.at(-1)?.seq ?? 0;
    const lastSeq = Math.max(Number.isSafeInteger(saved) ? saved : 0, lastOnDisk);
    const spool = new Spool(options, lastSeq);
    for (const { seq, bytes } of found) spool.index(seq, bytes);
    // Once atomically in the fixed width (an older agent wrote "N\n"), so that every later
    // in-place write covers the whole content.
    await writeFileAtomic(options.seqFile, `${String(lastSeq).padStart(SEQ_DIGITS, "0")}\n`, 0o600);
    return spool;
  }

  /** The last seq handed out (0 before the first batch ever). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get batches(): number {
    return this.seqs.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  has(seq: number): boolean {
    return this.sizes.has(seq);
  }

  /** The first spooled seq greater than `seq`, or undefined. */
  nextAfter(seq: number): number | undefined {
    const i = this.search(seq + 1);
    return this.seqs[i];
  }

  /**
   * Numbers and stores the samples as one or more batches (split at the per-batch maximum),
   * then enforces the size bound. Resolves with the new seqs once they are on disk.
   */
  append(samples: readonly Sample[]): Promise<number[]> {
    return this.serialised(async () => {
      const max = this.options.maxSamplesPerBatch ?? MAX_SAMPLES_PER_BATCH;
      const created: number[] = [];
      for (let i = 0; i < samples.length; i += max) {
        const seq = this.nextSeq++;
        const frame: MetricsFrame = { type: "metrics", seq, samples: samples.slice(i, i + max) };
        const text = JSON.stringify(frame);
        // The batch first, then the counter: a crash in between leaves the batch on disk, and
        // open() takes the highest seq on disk or in the seq file, so no seq is handed out twice
        // and none is skipped.
        this.writeBatch(seq, text);
        this.writeSeq(seq);
        this.index(seq, Buffer.byteLength(text));
        this.remember(seq, text);
        created.push(seq);
      }
      await this.enforceBound();
      return created;
    });
  }

  /** The encoded frame of a spooled batch, or undefined when it is gone or unreadable (reported as a gap). */
  async read(seq: number): Promise<string | undefined> {
    const cached = this.recent.get(seq);
    if (cached !== undefined) return cached;
    if (!this.has(seq)) return undefined;
    let text: string;
    try {
      text = await readFile(this.path(seq), "utf8");
      const frame = JSON.parse(text) as Partial<MetricsFrame>;
      if (
        frame.type !== "metrics" ||
        frame.seq !== seq ||
        !Array.isArray(frame.samples) ||
        frame.samples.length === 0
      ) {
        throw new Error("not a metrics frame for this seq");
      }
    } catch (error) {
      if (!this.has(seq)) return undefined; // acked or dropped meanwhile
      this.options.logger.error({ seq, err: (error as Error).message }, "dropping an unreadable spooled batch");
      await this.drop([seq], "unreadable");
      return undefined;
    }
    return text;
  }

  /** Forgets an acked batch. */
  async remove(seq: number): Promise<void> {
    if (!this.has(seq)) return;
    this.unindex(seq);
    this.removeBatch(seq);
  }

  /** Drops a batch the server will never accept, reporting it as a gap. */
  async reject(seq: number): Promise<void> {
    if (this.has(seq)) await this.drop([seq], "rejected");
  }

  /** Forgets every batch the server already has (seq <= lastSeq), and never hands out such a seq again. */
  removeThrough(lastSeq: number): Promise<number> {
    return this.serialised(async () => {
      if (lastSeq >= this.nextSeq) {
        // The server has seen higher seqs than this state dir remembers (it was reset or restored).
        this.options.logger.warn({ localSeq: this.lastSeq, serverSeq: lastSeq }, "server is ahead of the local seq");
        this.nextSeq = lastSeq + 1;
        this.writeSeq(lastSeq);
      }
      const done = this.seqs.slice(0, this.search(lastSeq + 1));
      for (const seq of done) {
        this.unindex(seq);
        this.removeBatch(seq);
      }
      return done.length;
    });
  }

  private async enforceBound(): Promise<void> {
    const victims: number[] = [];
    let bytes = this.totalBytes;
    // Keep the newest batch even when it alone is over the bound.
    for (const seq of this.seqs) {
      if (bytes <= this.options.maxBytes || victims.length === this.seqs.length - 1) break;
      victims.push(seq);
      bytes -= this.sizes.get(seq) ?? 0;
    }
    if (victims.length > 0) await this.drop(victims, "overflow");
  }

  private async drop(seqs: number[], reason: SpoolGap["reason"]): Promise<void> {
    let bytes = 0;
    for (const seq of seqs) {
      bytes += this.sizes.get(seq) ?? 0;
      this.unindex(seq);
      this.removeBatch(seq);
    }
    const gap: SpoolGap = { fromSeq: seqs[0] ?? 0, toSeq: seqs.at(-1) ?? 0, batches: seqs.length, bytes, reason };
    this.options.logger.warn(gap, "metrics batches dropped from the spool");
    this.options.onGap?.(gap);
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Write-then-rename, so a crash never leaves a torn batch under a batch name. */
  private writeBatch(seq: number, text: string): void {
    const path = this.path(seq);
    const tmp = `${path}.tmp`;
    try {
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, path);
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
  }

  private removeBatch(seq: number): void {
    rmSync(this.path(seq), { force: true });
  }

  /**
   * The seq file holds a fixed-width number, overwritten in place by one small write (which a
   * crash cannot tear) rather than replaced through a temporary file: once per tick, one open,
   * write and close instead of a random name, a temporary file and a rename.
   */
  private writeSeq(seq: number): void {
    const text = `${String(seq).padStart(SEQ_DIGITS, "0")}\n`;
    try {
      writeFileSync(this.options.seqFile, text, { flag: "r+" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      writeFileSync(this.options.seqFile, text, { mode: 0o600, flag: "wx" });
    }
  }

  private path(seq: number): string {
    return join(this.options.dir, `${String(seq).padStart(16, "0")}.json`);
  }

  /** Index of the first seq >= `seq` (binary search). */
  private search(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] ?? 0) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private index(seq: number, bytes: number): void {
    this.seqs.splice(this.search(seq), 0, seq);
    this.sizes.set(seq, bytes);
    this.totalBytes += bytes;
  }

  private unindex(seq: number): void {
    const bytes = this.sizes.get(seq);
    if (bytes === undefined) return;
    this.sizes.delete(seq);
    this.recent.delete(seq);
    this.totalBytes -= bytes;
    const i = this.search(seq);
    if (this.seqs[i] === seq) this.seqs.splice(i, 1);
  }

  private remember(seq: number, text: string): void {
    this.recent.set(seq, text);
    if (this.recent.size > RECENT_TEXTS) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}
