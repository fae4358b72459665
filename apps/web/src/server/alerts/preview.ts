/**
 * A threshold rule tried on recent data before it is saved: each covered host's series over the
 * last hour or day, and how often the rule would have fired there (same state machine, same hold).
 */
import { hostSeries } from "@flotilla/db";
import { z } from "zod";
import { isBreaching, metricValue, ruleCoversHost } from "./conditions.js";
import { loadHosts } from "./fleet-snapshot.js";
import { METRICS, scopeSchema } from "./rule-input.js";
import type { AlertContext } from "./rules.js";
import { stepAlert } from "./state-machine.js";

const MAX_HOSTS = 12;

export const previewInputSchema = z.object({
  teamId: z.string().min(1).max(100).nullable().default(null),
  scope: scopeSchema.default({}),
  metric: z.enum(METRICS),
  comparator: z.enum(["above", "below"]),
  threshold: z.number().finite(),
  holdSeconds: z.number().int().min(0).max(86_400).default(0),
  range: z.enum(["1h", "1d"]).default("1h"),
});

export interface PreviewSeries {
  hostId: string;
  name: string;
  values: (number | null)[];
  fires: number;
}

export async function previewRule(ctx: AlertContext, input: z.infer<typeof previewInputSchema>) {
  const now = Date.now();
  const rangeMs = input.range === "1h" ? 3600_000 : 86_400_000;
  const bucketSeconds = input.range === "1h" ? 15 : 300;
  const from = now - rangeMs;
  const hosts = (await loadHosts(ctx.services.prisma, [ctx.actor.orgId]))
    .filter((h) => ruleCoversHost({ teamId: input.teamId, scope: input.scope }, h))
    .slice(0, MAX_HOSTS);
  // One shared time axis (bucket starts), so every host is one line of the same chart.
  const ts: number[] = [];
  for (let t = Math.ceil(from / 1000 / bucketSeconds) * bucketSeconds; t * 1000 < now; t += bucketSeconds) ts.push(t);
  const series: PreviewSeries[] = [];
  for (const host of hosts) {
    const s = await hostSeries(ctx.services.pool, { hostId: host.id, from, to: now, bucketSeconds });
    const byTs = new Map(s.ts.map((t, i) => [t, i]));
    const values = ts.map((t) => {
      const i = byTs.get(t);
      if (i === undefined) return null;
      return metricValue(
        input.metric,
        {
          hostId: host.id,
          workloadId: null,
          ts: t * 1000,
          cpuCores: s.cpuCores[i] ?? null,
          cpuRatio: s.cpuRatio[i] ?? null,
          memUsedBytes: s.memUsedBytes[i] ?? null,
          memTotalBytes: s.memTotalBytes[i] ?? null,
          netRxBps: s.netRxBps[i] ?? null,
          netTxBps: s.netTxBps[i] ?? null,
          diskReadBps: s.diskReadBps[i] ?? null,
          diskWriteBps: s.diskWriteBps[i] ?? null,
        },
        host,
      );
    });
    series.push({ hostId: host.id, name: host.name, values, fires: countFires(ts, values, input) });
  }
  return { ts, series, threshold: input.threshold, totalFires: series.reduce((n, s) => n + s.fires, 0), bucketSeconds };
}

/** How many times the rule would have gone to firing over the series (a gap counts as not breaching). */
export function countFires(
  ts: number[],
  values: (number | null)[],
  rule: { comparator: "above" | "below"; threshold: number; holdSeconds: number },
): number {
  let open: { state: "pending" | "firing"; startedAt: number; lastNotifiedAt: number | null } | null = null;
  let fires = 0;
  const timing = { holdSeconds: rule.holdSeconds, repeatIntervalSeconds: Number.MAX_SAFE_INTEGER / 1000 };
  ts.forEach((t, i) => {
    const now = t * 1000;
    const step = stepAlert(open, isBreaching(values[i] ?? null, rule.comparator, rule.threshold), now, timing);
    if (step.action === "open") {
      open = { state: step.state, startedAt: now, lastNotifiedAt: step.state === "firing" ? now : null };
      if (step.state === "firing") fires++;
    } else if (step.action === "fire" && open) {
      open = { ...open, state: "firing", lastNotifiedAt: now };
      fires++;
    } else if (step.action === "clear" || step.action === "resolve") open = null;
  });
  return fires;
}
