/** What an alert rule is made of, validated once (tRPC input and the evaluator's reading of stored rows). */
import { z } from "zod";

export const ALERT_KINDS = [
  "metric_threshold",
  "metric_missing",
  "host_offline",
  "command_failed",
  "migration_failed",
  "container_exited",
  "container_restart_loop",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const METRICS = ["cpu", "memory", "disk", "network"] as const;
export type Metric = (typeof METRICS)[number];
export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const scopeSchema = z.object({
  hostIds: z.array(z.string().min(1).max(100)).max(500).optional(),
  labels: z.record(z.string().min(1).max(100), z.string().max(200)).optional(),
});
export type AlertScope = z.infer<typeof scopeSchema>;

export const ruleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    teamId: z.string().min(1).max(100).nullable().default(null),
    kind: z.enum(ALERT_KINDS),
    enabled: z.boolean().default(true),
    scope: scopeSchema.default({}),
    target: z.enum(["host", "workload"]).default("host"),
    metric: z.enum(METRICS).nullable().default(null),
    comparator: z.enum(["above", "below"]).nullable().default(null),
    threshold: z.number().finite().nullable().default(null),
    holdSeconds: z.number().int().min(0).max(86_400).default(0),
    severity: z.enum(SEVERITIES).default("warning"),
    description: z.string().max(2000).default(""),
    repeatIntervalSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(3600),
  })
  .superRefine((rule, ctx) => {
    if (rule.kind === "metric_threshold") {
      if (!rule.metric)
        ctx.addIssue({ code: "custom", path: ["metric"], message: "choose cpu, memory, disk or network" });
      if (!rule.comparator) ctx.addIssue({ code: "custom", path: ["comparator"], message: "choose above or below" });
      if (rule.threshold === null) ctx.addIssue({ code: "custom", path: ["threshold"], message: "set a threshold" });
    }
    if (rule.kind === "metric_missing" && !rule.metric) {
      ctx.addIssue({ code: "custom", path: ["metric"], message: "choose the metric that must keep arriving" });
    }
  });
export type RuleInput = z.infer<typeof ruleInputSchema>;

/** A rule as the evaluator reads it. */
export interface AlertRuleData extends RuleInput {
  id: string;
  orgId: string;
  createdAt: Date;
}

/** Units and words of each metric (percent for cpu and memory, bytes per second for I/O). */
export const METRIC_UNITS: Record<Metric, string> = {
  cpu: "%",
  memory: "%",
  disk: "B/s",
  network: "B/s",
};
