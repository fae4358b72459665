import { describe, expect, it } from "vitest";
import { auditCsvHref, filterFromForm, localToInstant } from "./audit-query";

const blank = { actor: "", action: "", target: "", from: "", to: "" };

describe("audit filters", () => {
  it("leaves blank fields out and trims the typed ones", () => {
    expect(filterFromForm(blank)).toEqual({ filter: {} });
    expect(filterFromForm({ ...blank, actor: "u1", action: "  teams. ", target: " host:h1 " })).toEqual({
      filter: { actor: "u1", action: "teams.", target: "host:h1" },
    });
  });

  it("turns local times into instants and refuses a range that ends before it starts", () => {
    const from = "2026-11-01T10:00";
    const to = "2026-11-02T10:00";
    const result = filterFromForm({ ...blank, from, to });
    expect(result).toEqual({ filter: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } });
    expect(filterFromForm({ ...blank, from: to, to: from })).toEqual({
      problem: "The start of the time range must come before its end.",
    });
    expect(filterFromForm({ ...blank, from, to: from })).toHaveProperty("problem");
    expect(localToInstant("")).toBeUndefined();
    expect(localToInstant("not a date")).toBeUndefined();
  });

  it("puts the same filters in the CSV export's query string, encoded", () => {
    expect(auditCsvHref({})).toBe("/api/audit.csv");
    const href = auditCsvHref({ action: "denied", target: "host:a b&c", from: "2026-11-01T09:00:00.000Z" });
    const url = new URL(href, "http://x");
    expect(url.pathname).toBe("/api/audit.csv");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      action: "denied",
      target: "host:a b&c",
      from: "2026-11-01T09:00:00.000Z",
    });
  });
});
