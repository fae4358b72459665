// The baseline of the ingest benchmark: the same rows the agents had committed, written with one
// raw COPY ... FROM STDIN stream into the same `samples` table. "The same" means the same shape
// and bytes per row: the bench hosts' real (uuid) host ids, an agent id and a boot id as long as
// a real agent's, the load generator's own sample values and the ingest path's own line format
// (text COPY, both sides). Rows are told apart from the agents' by COPY_AGENT_ID.

import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { toMetricBatch } from "../../../apps/web/src/server/gateway/metrics-ingest.js";
import { COPY_SAMPLES, copyLines } from "../../../packages/db/src/sample-copy.js";
import type { MetricBatch } from "../../../packages/db/src/samples.js";
import { tickSamples } from "./ingest-load.js";

/** The agent id of every baseline row: uuid-shaped, so its rows are as wide as an agent's. */
export const COPY_AGENT_ID = "00000000-0000-4000-8000-0000c0b7be4c";
const CHUNK_CHARS = 64_000;

/**
 * One batch per tick, host after host, ticks 1 ms apart like the throughput phase's backlog.
 * `firstTick` lets parallel streams write different ticks (different rows, as agents would).
 */
function* batches(rows: number, hostIds: readonly string[], workloads: number, firstTick = 0): Generator<MetricBatch> {
  const start = Date.now() - 2 * 3_600_000;
  const bootId = randomUUID();
  const perTick = workloads + 1;
  const ticks = Math.ceil(rows / perTick);
  for (let t = 0; t < ticks; t++) {
    const tick = firstTick + t;
    const hostIndex = tick % hostIds.length;
    const samples = tickSamples(start + tick, workloads, hostIndex).slice(0, rows - t * perTick);
    const frame = { type: "metrics" as const, seq: tick + 1, samples };
    yield toMetricBatch(frame, { agentId: COPY_AGENT_ID, hostId: hostIds[hostIndex] as string, bootId });
  }
}

function* chunks(rows: number, hostIds: readonly string[], workloads: number, firstTick = 0): Generator<string> {
  let chunk = "";
  for (const b of batches(rows, hostIds, workloads, firstTick)) {
    for (const line of copyLines([b])) chunk += line;
    if (chunk.length > CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

export async function copyRows(pool: pg.Pool, rows: number, hostIds: readonly string[], workloads: number) {
  const client = await pool.connect();
  try {
    const started = performance.now();
    await pipeline(Readable.from(chunks(rows, hostIds, workloads)), client.query(copyFrom(COPY_SAMPLES)));
    const seconds = (performance.now() - started) / 1000;
    return {
      rows,
      format: "text COPY (as the ingest path)",
      rowShape: "the agents' rows: uuid host, agent and boot ids, the load generator's values",
      seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round(rows / seconds),
    };
  } finally {
    client.release();
  }
}

/**
 * The same rows through `streams` COPY streams at once (one per core): PostgreSQL's raw rate
 * when it may use every core, as the ingest path's concurrent group commits do. The ratio is
 * taken against the faster of this and the single stream.
 */
export async function copyRowsParallel(
  pool: pg.Pool,
  rows: number,
  hostIds: readonly string[],
  workloads: number,
  streams: number,
) {
  const perTick = workloads + 1;
  const ticksPerStream = Math.ceil(Math.ceil(rows / perTick) / streams);
  const clients = await Promise.all(Array.from({ length: streams }, () => pool.connect()));
  try {
    const started = performance.now();
    await Promise.all(
      clients.map((client, i) => {
        const share = Math.max(0, Math.min(ticksPerStream * perTick, rows - i * ticksPerStream * perTick));
        return pipeline(
          Readable.from(chunks(share, hostIds, workloads, i * ticksPerStream)),
          client.query(copyFrom(COPY_SAMPLES)),
        );
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      rows,
      streams,
      format: "text COPY (as the ingest path)",
      seconds: Number(seconds.toFixed(2)),
      rowsPerSecond: Math.round(rows / seconds),
    };
  } finally {
    for (const c of clients) c.release();
  }
}

/**
 * The earlier baseline, kept for comparison with results before it was replaced: short ids
 * ("copy-host-N", "copy-bench", "boot") and short numbers, so narrower and cheaper rows than any
 * agent sends. Reported, not used for the ratio.
 */
function* shortLines(rows: number, perTick: number): Generator<string> {
  const start = Date.now() - 2 * 3_600_000;
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    const tick = Math.floor(i / perTick);
    const w = i % perTick;
    const host = `copy-host-${tick % 1000}`;
    const ts = new Date(start + tick).toISOString();
    chunk +=
      w === 0
        ? `${ts}\t${host}\t\\N\thost\t${SHORT_AGENT_ID}\tboot\t${tick + 1}\t4.5\t0.28\t21000000000\t68719476736\t1000000\t500000\t100000\t200000\t2.2\n`
        : `${ts}\t${host}\tc${w}\tcontainer\t${SHORT_AGENT_ID}\tboot\t${tick + 1}\t0.28\t\\N\t500000000\t\\N\t10000\t10000\t0\t1000\t\\N\n`;
    if (chunk.length > CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

export const SHORT_AGENT_ID = "copy-bench";

export async function copyShortRows(pool: pg.Pool, rows: number, perTick: number) {
  const client = await pool.connect();
  try {
    const started = performance.now();
    await pipeline(Readable.from(shortLines(rows, perTick)), client.query(copyFrom(COPY_SAMPLES)));
    const seconds = (performance.now() - started) / 1000;
    return { rows, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(rows / seconds) };
  } finally {
    client.release();
  }
}
