"use client";

/** A new alert rule, or changes to one: kind, scope, condition, severity and description, with a preview on recent data. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label, Select, Textarea } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { RulePreview } from "./rule-preview";
import { TeamSelect } from "./team-select";

type Kind =
  | "metric_threshold"
  | "metric_missing"
  | "host_offline"
  | "command_failed"
  | "migration_failed"
  | "container_exited"
  | "container_restart_loop";
type Metric = "cpu" | "memory" | "disk" | "network";
type Severity = "info" | "warning" | "critical";

/** A stored rule as the rules list gives it: what the editor starts from when changing one. */
export interface EditableRule {
  id: string;
  name: string;
  kind: string;
  teamId: string | null;
  enabled: boolean;
  scope: unknown;
  target: string;
  metric: string | null;
  comparator: string | null;
  threshold: number | null;
  holdSeconds: number;
  severity: string;
  description: string;
  repeatIntervalSeconds: number;
}

/** With `editing`, the form starts from that rule and saves over it; `onDone` closes it. */
export function RuleEditor({ editing, onDone }: { editing?: EditableRule; onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  const kept = (editing?.scope ?? {}) as { hostIds?: string[]; labels?: Record<string, string> };
  const [name, setName] = useState(editing?.name ?? "");
  const [kind, setKind] = useState<Kind>((editing?.kind as Kind) ?? "metric_threshold");
  const [target, setTarget] = useState<"host" | "workload">(editing?.target === "workload" ? "workload" : "host");
  const [metric, setMetric] = useState<Metric>((editing?.metric as Metric | null) ?? "cpu");
  const [comparator, setComparator] = useState<"above" | "below">(editing?.comparator === "below" ? "below" : "above");
  const [threshold, setThreshold] = useState(editing?.threshold === null ? "90" : String(editing?.threshold ?? 90));
  const [hold, setHold] = useState(String(editing?.holdSeconds ?? 60));
  const [severity, setSeverity] = useState<Severity>((editing?.severity as Severity) ?? "warning");
  const [labels, setLabels] = useState(formatLabels(kept.labels ?? {}));
  const [teamId, setTeamId] = useState(editing?.teamId ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [saved, setSaved] = useState<string | null>(null);
  const onSaved = (rule: { name: string }) => {
    setSaved(`Rule “${rule.name}” saved.`);
    void queryClient.invalidateQueries(trpc.alerts.rules.queryFilter());
    if (editing) onDone?.();
    else setName("");
  };
  const create = useMutation(trpc.alerts.createRule.mutationOptions({ onSuccess: onSaved }));
  const update = useMutation(trpc.alerts.updateRule.mutationOptions({ onSuccess: onSaved }));
  const save = editing ? update : create;
  // Host ids chosen through the API stay: this form edits labels only.
  const scope = { ...(kept.hostIds ? { hostIds: kept.hostIds } : {}), labels: parseLabels(labels) };
  const thresholdNumber = Number(threshold);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    const rule = {
      name,
      kind,
      teamId: teamId || null,
      scope,
      target,
      metric: kind === "metric_threshold" || kind === "metric_missing" ? metric : null,
      comparator: kind === "metric_threshold" ? comparator : null,
      threshold: kind === "metric_threshold" || kind === "container_restart_loop" ? thresholdNumber : null,
      holdSeconds: Number(hold) || 0,
      severity,
      description,
    };
    if (editing)
      update.mutate({
        id: editing.id,
        rule: { ...rule, enabled: editing.enabled, repeatIntervalSeconds: editing.repeatIntervalSeconds },
      });
    else create.mutate(rule);
  };

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>{editing ? `Edit rule ${editing.name}` : "New rule"}</CardTitle>
          <CardDescription>
            Description placeholders: {"{{host}}"}, {"{{value}}"}, {"{{threshold}}"}, {"{{metric}}"}, {"{{workload}}"}.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} aria-label={editing ? "Edit rule" : "New rule"} className="space-y-4">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
            <div className="space-y-1">
              <Label htmlFor={field("name")}>Rule name</Label>
              <Input
                id={field("name")}
                required
                maxLength={120}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("kind")}>Kind</Label>
              <Select id={field("kind")} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                <option value="metric_threshold">Metric threshold</option>
                <option value="metric_missing">Metric missing</option>
                <option value="host_offline">Host offline</option>
                <option value="command_failed">Command failed</option>
                <option value="migration_failed">Migration failed</option>
                <option value="container_exited">Container exited</option>
                <option value="container_restart_loop">Container restart loop</option>
              </Select>
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("severity")}>Severity</Label>
              <Select id={field("severity")} value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
                <option value="info">Info</option>
                <option value="warning">Warning</option>
                <option value="critical">Critical</option>
              </Select>
            </div>
            <TeamSelect id={field("team")} value={teamId} onChange={setTeamId} />
            <div className="space-y-1">
              <Label htmlFor={field("labels")}>Host labels (key=value, …)</Label>
              <Input
                id={field("labels")}
                value={labels}
                placeholder="env=prod"
                onChange={(e) => setLabels(e.target.value)}
              />
            </div>
            {kind === "metric_threshold" || kind === "metric_missing" ? (
              <div className="space-y-1">
                <Label htmlFor={field("target")}>Applies to</Label>
                <Select
                  id={field("target")}
                  value={target}
                  onChange={(e) => setTarget(e.target.value as typeof target)}
                >
                  <option value="host">Hosts</option>
                  <option value="workload">{kind === "metric_missing" ? "Running workloads" : "Workloads"}</option>
                </Select>
              </div>
            ) : null}
            {kind === "metric_threshold" ? (
              <div className="space-y-1">
                <Label htmlFor={field("comparator")}>Condition</Label>
                <Select
                  id={field("comparator")}
                  value={comparator}
                  onChange={(e) => setComparator(e.target.value as typeof comparator)}
                >
                  <option value="above">Above</option>
                  <option value="below">Below</option>
                </Select>
              </div>
            ) : null}
            {kind === "metric_threshold" || kind === "metric_missing" ? (
              <div className="space-y-1">
                <Label htmlFor={field("metric")}>Metric</Label>
                <Select id={field("metric")} value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
                  <option value="cpu">CPU (%)</option>
                  <option value="memory">Memory (%)</option>
                  <option value="disk">Disk I/O (B/s)</option>
                  <option value="network">Network (B/s)</option>
                </Select>
              </div>
            ) : null}
            {kind === "metric_threshold" || kind === "container_restart_loop" ? (
              <div className="space-y-1">
                <Label htmlFor={field("threshold")}>{kind === "metric_threshold" ? "Threshold" : "Exits"}</Label>
                <Input
                  id={field("threshold")}
                  type="number"
                  step="any"
                  required
                  value={threshold}
                  onChange={(e) => setThreshold(e.target.value)}
                />
              </div>
            ) : null}
            <div className="space-y-1">
              <Label htmlFor={field("hold")}>{kind === "container_restart_loop" ? "Window (s)" : "Hold (s)"}</Label>
              <Input
                id={field("hold")}
                type="number"
                min={0}
                max={86400}
                value={hold}
                onChange={(e) => setHold(e.target.value)}
              />
            </div>
          </div>
          <div className="space-y-1">
            <Label htmlFor={field("description")}>Description template</Label>
            <Textarea
              id={field("description")}
              rows={2}
              value={description}
              placeholder="{{host}} CPU at {{value}}% (over {{threshold}}%)"
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          {kind === "metric_threshold" && Number.isFinite(thresholdNumber) ? (
            <RulePreview
              teamId={teamId || null}
              scope={scope}
              metric={metric}
              comparator={comparator}
              threshold={thresholdNumber}
              holdSeconds={Number(hold) || 0}
            />
          ) : null}
          {save.isError ? (
            <p role="alert" className="text-danger text-sm">
              {errorMessage(save.error)}
            </p>
          ) : null}
          {saved ? (
            <p role="status" className="text-ok text-sm">
              {saved}
            </p>
          ) : null}
          <div className="flex gap-2">
            <Button type="submit" variant="primary" disabled={save.isPending}>
              {save.isPending ? "Saving…" : editing ? "Save changes" : "Save rule"}
            </Button>
            {editing ? (
              <Button type="button" variant="ghost" onClick={onDone}>
                Cancel
              </Button>
            ) : null}
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

/** "env=prod, tier=web" -> {env: "prod", tier: "web"}. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const [key, ...rest] = pair.split("=");
    if (key?.trim()) labels[key.trim()] = rest.join("=").trim();
  }
  return labels;
}

/** {env: "prod", tier: "web"} -> "env=prod, tier=web" (what parseLabels reads back). */
export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
}
