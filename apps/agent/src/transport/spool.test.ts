import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../logger.js";
import { hostSample, withTempDir } from "../testing/helpers.js";
import { Spool, type SpoolGap } from "./spool.js";

const open = (
  dir: string,
  extra: { maxBytes?: number; onGap?: (g: SpoolGap) => void; maxSamplesPerBatch?: number } = {},
) =>
  Spool.open({
    dir: join(dir, "spool"),
    seqFile: join(dir, "seq"),
    maxBytes: extra.maxBytes ?? 50 * 1024 * 1024,
    logger: createSilentLogger(),
    ...(extra.onGap ? { onGap: extra.onGap } : {}),
    ...(extra.maxSamplesPerBatch ? { maxSamplesPerBatch: extra.maxSamplesPerBatch } : {}),
  });

const pending = (spool: Spool) => {
  const seqs: number[] = [];
  for (let s = spool.nextAfter(0); s !== undefined; s = spool.nextAfter(s)) seqs.push(s);
  return seqs;
};

describe("Spool", () => {
  it("numbers batches from 1 and keeps them on disk, in order, as metrics frames", () =>
    withTempDir(async (dir) => {
      const spool = await open(dir);
      expect(await spool.append([hostSample(1)])).toEqual([1]);
      expect(await spool.append([hostSample(2)])).toEqual([2]);
      expect(pending(spool)).toEqual([1, 2]);
      const frame = JSON.parse((await spool.read(2)) ?? "");
      expect(frame).toEqual({ type: "metrics", seq: 2, samples: [hostSample(2)] });
      expect((await stat(join(dir, "spool", "0000000000000001.json"))).mode & 0o777).toBe(0o600);
    }));

  it("recovers unacked batches and the seq counter after a re-open", () =>
    withTempDir(async (dir) => {
      const first = await open(dir);
      await first.append([hostSample(1)]);
      await first.append([hostSample(2)]);
      await first.append([hostSample(3)]);
      await first.remove(1);
      await writeFile(join(dir, "spool", "0000000000000009.json.abcd.tmp"), "torn");

      const second = await open(dir);
      expect(pending(second)).toEqual([2, 3]);
      expect(JSON.parse((await second.read(3)) ?? "").samples[0].ts).toBe(3);
      expect(await second.append([hostSample(4)])).toEqual([4]);
      expect((await readdir(join(dir, "spool"))).some((f) => f.endsWith(".tmp"))).toBe(false);
    }));

  it("keeps increasing the seq after every batch was acked and the agent restarted", () =>
    withTempDir(async (dir) => {
      const first = await open(dir);
      await first.append([hostSample(1)]);
      await first.append([hostSample(2)]);
      await first.remove(1);
      await first.remove(2);
      expect((await readdir(join(dir, "spool"))).length).toBe(0);
      expect((await readFile(join(dir, "seq"), "utf8")).trim()).toBe("0000000000000002");

      const second = await open(dir);
      expect(second.lastSeq).toBe(2);
      expect(await second.append([hostSample(3)])).toEqual([3]);
    }));

  it("continues after the newest batch on disk when the seq file is behind it (a crash between the two writes)", () =>
    withTempDir(async (dir) => {
      const first = await open(dir);
      await first.append([hostSample(1)]);
      await first.append([hostSample(2)]);
      await writeFile(join(dir, "seq"), "1\n"); // as if the agent died before writing seq 2

      const second = await open(dir);
      expect(second.lastSeq).toBe(2);
      expect(pending(second)).toEqual([1, 2]);
      expect(await second.append([hostSample(3)])).toEqual([3]);
    }));

  it("reads a seq file left by an older agent and rewrites it in the fixed width", () =>
    withTempDir(async (dir) => {
      await writeFile(join(dir, "seq"), "41\n");
      const spool = await open(dir);
      expect(spool.lastSeq).toBe(41);
      expect(await readFile(join(dir, "seq"), "utf8")).toBe("0000000000000041\n");
      expect(await spool.append([hostSample(1)])).toEqual([42]);
      expect(await readFile(join(dir, "seq"), "utf8")).toBe("0000000000000042\n");
    }));

  it("removes acked batches from disk", () =>
    withTempDir(async (dir) => {
      const spool = await open(dir);
      await spool.append([hostSample(1)]);
      await spool.append([hostSample(2)]);
      await spool.remove(1);
      expect(await readdir(join(dir, "spool"))).toEqual(["0000000000000002.json"]);
      expect(spool.batches).toBe(1);
      expect(await spool.read(1)).toBeUndefined();
    }));

  it("drops what the server already has and jumps ahead when the server is ahead", () =>
    withTempDir(async (dir) => {
      const spool = await open(dir);
      for (let i = 1; i <= 5; i++) await spool.append([hostSample(i)]);
      expect(await spool.removeThrough(3)).toBe(3);
      expect(pending(spool)).toEqual([4, 5]);
      await spool.removeThrough(100);
      expect(pending(spool)).toEqual([]);
      expect(await spool.append([hostSample(6)])).toEqual([101]);
    }));

  it("drops the oldest batches over the size bound and reports the gap", () =>
    withTempDir(async (dir) => {
      const gaps: SpoolGap[] = [];
      const big = Array.from({ length: 4000 }, (_, i) => hostSample(i)); // ~400 KB per batch
      const spool = await open(dir, { maxBytes: 1024 * 1024, onGap: (g) => gaps.push(g) });
      for (let i = 0; i < 4; i++) await spool.append(big);
      expect(spool.bytes).toBeLessThanOrEqual(1024 * 1024);
      expect(pending(spool)).toEqual([3, 4]);
      expect(gaps).toEqual([
        expect.objectContaining({ fromSeq: 1, toSeq: 1, batches: 1, reason: "overflow" }),
        expect.objectContaining({ fromSeq: 2, toSeq: 2, batches: 1, reason: "overflow" }),
      ]);
      expect((await readdir(join(dir, "spool"))).sort()).toEqual(["0000000000000003.json", "0000000000000004.json"]);
    }));

  it("splits a backlog bigger than the per-batch maximum", () =>
    withTempDir(async (dir) => {
      const spool = await open(dir, { maxSamplesPerBatch: 2 });
      const seqs = await spool.append([1, 2, 3, 4, 5].map((ts) => hostSample(ts)));
      expect(seqs).toEqual([1, 2, 3]);
      const sizes = await Promise.all(seqs.map(async (s) => JSON.parse((await spool.read(s)) ?? "").samples.length));
      expect(sizes).toEqual([2, 2, 1]);
    }));

  it("drops an unreadable batch file and reports it", () =>
    withTempDir(async (dir) => {
      const gaps: SpoolGap[] = [];
      const first = await open(dir);
      await first.append([hostSample(1)]);
      await first.append([hostSample(2)]);
      await writeFile(join(dir, "spool", "0000000000000001.json"), "{not json");
      const second = await open(dir, { onGap: (g) => gaps.push(g) });
      expect(await second.read(1)).toBeUndefined();
      expect(gaps).toEqual([expect.objectContaining({ fromSeq: 1, reason: "unreadable" })]);
      expect(pending(second)).toEqual([2]);
    }));
});
