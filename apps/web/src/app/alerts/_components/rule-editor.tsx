"use client";

/** A new alert rule: kind, scope, condition, severity and description, with a preview on recent data. */
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

export function RuleEditor() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("metric_threshold");
  const [target, setTarget] = useState<"host" | "workload">("host");
  const [metric, setMetric] = useState<Metric>("cpu");
  const [comparator, setComparator] = useState<"above" | "below">("above");
  const [threshold, setThreshold] = useState("90");
  const [hold, setHold] = useState("60");
  const [severity, setSeverity] = useState<"info" | "warning" | "critical">("warning");
  const [labels, setLabels] = useState("");
  const [teamId, setTeamId] = useState("");
  const [description, setDescription] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const create = useMutation(
    trpc.alerts.createRule.mutationOptions({
      onSuccess: (rule) => {
        setSaved(`Rule “${rule.name}” saved.`);
        setName("");
        void queryClient.invalidateQueries(trpc.alerts.rules.queryFilter());
      },
    }),
  );
  const scope = { labels: parseLabels(labels) };
  const thresholdNumber = Number(threshold);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    create.mutate({
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
    });
  };

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>New rule</CardTitle>
          <CardDescription>
            Description placeholders: {"{{host}}"}, {"{{value}}"}, {"{{threshold}}"}, {"{{metric}}"}, {"{{workload}}"}.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} aria-label="New rule" className="space-y-4">
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
              <Select
                id={field("severity")}
                value={severity}
                onChange={(e) => setSeverity(e.target.value as typeof severity)}
              >
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
            {kind === "metric_threshold" ? (
              <>
                <div className="space-y-1">
                  <Label htmlFor={field("target")}>Applies to</Label>
                  <Select
                    id={field("target")}
                    value={target}
                    onChange={(e) => setTarget(e.target.value as typeof target)}
                  >
                    <option value="host">Hosts</option>
                    <option value="workload">Workloads</option>
                  </Select>
                </div>
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
              </>
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
          {create.isError ? (
            <p role="alert" className="text-danger text-sm">
              {errorMessage(create.error)}
            </p>
          ) : null}
          {saved ? (
            <p role="status" className="text-ok text-sm">
              {saved}
            </p>
          ) : null}
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? "Saving…" : "Save rule"}
          </Button>
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
