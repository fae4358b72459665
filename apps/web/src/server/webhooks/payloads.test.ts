import { describe, expect, it } from "vitest";
import { type AlertNotice, buildPayload } from "./payloads.js";

const alert: AlertNotice = {
  id: "0b8f3c1e-1111-2222-3333-444455556666",
  ruleId: "r1",
  ruleName: "High CPU",
  kind: "metric_threshold",
  state: "firing",
  severity: "critical",
  summary: "web-1 CPU at 97%",
  value: 97,
  subject: "h1",
  hostId: "h1",
  labels: { host: "web-1", env: "prod" },
  startedAt: "2026-01-01T00:00:00.000Z",
  firedAt: "2026-01-01T00:01:00.000Z",
  resolvedAt: null,
};
const ctx = {
  event: "alert.firing" as const,
  alert,
  externalUrl: "https://fl.example",
  receiver: "ops",
  now: new Date(0),
};

describe("buildPayload", () => {
  it("generic: Standard Webhooks' type, timestamp and data", () => {
    expect(buildPayload("generic", ctx)).toEqual({
      type: "alert.firing",
      timestamp: new Date(0).toISOString(),
      data: { alert },
    });
  });

  it("slack: text plus blocks", () => {
    const p = buildPayload("slack", ctx) as { text: string; blocks: { type: string }[] };
    expect(p.text).toBe("[FIRING] CRITICAL: web-1 CPU at 97%");
    expect(p.blocks.map((b) => b.type)).toEqual(["section", "context"]);
  });

  it("alertmanager: the version 4 webhook shape", () => {
    const p = buildPayload("alertmanager", {
      ...ctx,
      alert: { ...alert, state: "resolved", resolvedAt: "2026-01-01T00:05:00.000Z" },
    });
    expect(p).toMatchObject({
      version: "4",
      status: "resolved",
      receiver: "ops",
      groupLabels: { alertname: "High CPU" },
      commonLabels: { alertname: "High CPU", severity: "critical", host: "web-1", env: "prod" },
      externalURL: "https://fl.example",
      alerts: [{ status: "resolved", startsAt: alert.firedAt, endsAt: "2026-01-01T00:05:00.000Z" }],
    });
    expect(Object.keys(p).sort()).toEqual(
      [
        "alerts",
        "commonAnnotations",
        "commonLabels",
        "externalURL",
        "groupKey",
        "groupLabels",
        "receiver",
        "status",
        "truncatedAlerts",
        "version",
      ].sort(),
    );
  });
});
