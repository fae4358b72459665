/**
 * The ingest path's one call into alerting: after a metrics batch is stored, tell the evaluator
 * (on whichever node holds the lead) which host has new data, through Postgres NOTIFY.
 */
import type { Pool } from "pg";

export const SAMPLES_CHANNEL = "flotilla_alert_samples";

/** Fire and forget: a lost signal only delays evaluation to the evaluator's next tick. */
export function signalSamplesStored(pool: Pool, hostId: string): void {
  pool.query("SELECT pg_notify($1, $2)", [SAMPLES_CHANNEL, hostId]).catch(() => {});
}
