/**
 * The ingest path's one call into alerting: after a metrics batch is stored, tell the evaluator
 * (on whichever node holds the lead) which hosts have new data, through Postgres NOTIFY.
 *
 * Hosts are coalesced per pool for a short window and sent as one comma-separated NOTIFY, so
 * 1,000 agents reporting every second cost a handful of statements, not one per batch.
 */
import type { Pool } from "pg";

export const SAMPLES_CHANNEL = "flotilla_alert_samples";
const COALESCE_MS = 50;
/** NOTIFY payloads must stay under 8000 bytes: 36-char ids + comma. */
const MAX_IDS_PER_NOTIFY = 200;

const pending = new WeakMap<Pool, Set<string>>();

/** Fire and forget: a lost signal only delays evaluation to the evaluator's next tick. */
export function signalSamplesStored(pool: Pool, hostId: string): void {
  let hosts = pending.get(pool);
  if (!hosts) {
    const batch = new Set<string>();
    hosts = batch;
    pending.set(pool, batch);
    setTimeout(() => {
      pending.delete(pool);
      const ids = [...batch];
      for (let i = 0; i < ids.length; i += MAX_IDS_PER_NOTIFY) {
        const payload = ids.slice(i, i + MAX_IDS_PER_NOTIFY).join(",");
        pool.query("SELECT pg_notify($1, $2)", [SAMPLES_CHANNEL, payload]).catch(() => {});
      }
    }, COALESCE_MS).unref();
  }
  hosts.add(hostId);
}

/** The host ids one NOTIFY carries. */
export function hostIdsOf(payload: string): string[] {
  return payload.split(",").filter(Boolean);
}
