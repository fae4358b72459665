// Writes claimed batches' samples with COPY ... FROM STDIN (text format) on the writer's
// transaction: PostgreSQL's cheapest way in, so the gateway's ingest costs the database what a
// bulk load does. Only our own numbers and the agents' workload ids are written, escaped here.
import { once } from "node:events";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { MetricBatch } from "./samples.js";

export const COPY_SAMPLES = `COPY samples (ts, host_id, workload_id, kind, agent_id, boot_id, seq, cpu_cores, cpu_ratio,
  mem_used_bytes, mem_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, load1) FROM STDIN`;
/** Bytes buffered before a chunk goes to the socket. */
const CHUNK_BYTES = 256 * 1024;

/** COPY text format: backslash, tab, newline and carriage return are escaped; null is \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : value;
}

function copyNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "\\N" : String(value);
}

/**
 * One line per sample, columns in COPY_SAMPLES order. The samples of one tick share a timestamp,
 * so its ISO text is made once per run of equal ts rather than once per sample.
 */
export function* copyLines(batches: readonly MetricBatch[]): Generator<string> {
  let lastTs = Number.NaN;
  let tsText = "";
  for (const b of batches) {
    const batchColumns = `${copyText(b.agentId)}\t${copyText(b.bootId ?? null)}\t${b.seq}`;
    const host = copyText(b.hostId);
    for (const s of b.samples) {
      if (s.ts !== lastTs) {
        lastTs = s.ts;
        tsText = new Date(s.ts).toISOString();
      }
      yield `${tsText}\t${host}\t${copyText(s.workloadId)}\t${s.kind}\t${batchColumns}\t${copyNumber(s.cpuCores)}\t${copyNumber(s.cpuRatio)}\t${copyNumber(s.memUsedBytes)}\t${copyNumber(s.memTotalBytes)}\t${copyNumber(s.netRxBps)}\t${copyNumber(s.netTxBps)}\t${copyNumber(s.diskReadBps)}\t${copyNumber(s.diskWriteBps)}\t${copyNumber(s.load1)}\n`;
    }
  }
}

/** Streams the batches' samples into `samples` on the client's open transaction. */
export async function copySamples(client: pg.PoolClient, batches: readonly MetricBatch[]): Promise<void> {
  const stream = client.query(copyFrom(COPY_SAMPLES));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  let chunk = "";
  for (const line of copyLines(batches)) {
    chunk += line;
    if (chunk.length >= CHUNK_BYTES) {
      if (!stream.write(chunk)) await Promise.race([once(stream, "drain"), finished]);
      chunk = "";
    }
  }
  stream.end(chunk);
  await finished;
}
