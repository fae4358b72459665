// The baseline of the ingest benchmark: the same number and shape of rows as the agents had
// committed, written with one raw COPY ... FROM STDIN stream into the same `samples` table.

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

const COLUMNS =
  "ts, host_id, workload_id, kind, agent_id, boot_id, seq, cpu_cores, cpu_ratio, mem_used_bytes, " +
  "mem_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, load1";

/** Text-format lines, one tick (a host row and its workload rows) per seq, like the agents' batches. */
function* lines(rows: number, perTick: number): Generator<string> {
  const start = Date.now() - 2 * 3_600_000;
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    const tick = Math.floor(i / perTick);
    const w = i % perTick;
    const host = `copy-host-${tick % 1000}`;
    const ts = new Date(start + tick).toISOString();
    chunk +=
      w === 0
        ? `${ts}\t${host}\t\\N\thost\tcopy-bench\tboot\t${tick + 1}\t4.5\t0.28\t21000000000\t68719476736\t1000000\t500000\t100000\t200000\t2.2\n`
        : `${ts}\t${host}\tc${w}\tcontainer\tcopy-bench\tboot\t${tick + 1}\t0.28\t\\N\t500000000\t\\N\t10000\t10000\t0\t1000\t\\N\n`;
    if (chunk.length > 64_000) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}

export async function copyRows(pool: pg.Pool, rows: number, perTick: number) {
  const client = await pool.connect();
  try {
    const started = performance.now();
    await pipeline(Readable.from(lines(rows, perTick)), client.query(copyFrom(`COPY samples (${COLUMNS}) FROM STDIN`)));
    const seconds = (performance.now() - started) / 1000;
    return { rows, seconds: Number(seconds.toFixed(2)), rowsPerSecond: Math.round(rows / seconds) };
  } finally {
    client.release();
  }
}
