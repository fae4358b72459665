import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, parseDuration } from "./env.js";

const base = { DATABASE_URL: "postgresql://u:p@127.0.0.1:5432/flotilla" };

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("parseConfig", () => {
  it("fills in the defaults", () => {
    const config = parseConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      host: "0.0.0.0",
      logLevel: "info",
      publicUrl: null,
      sessionTtlMs: 7 * 86_400_000,
      offlineAfterIntervals: 3,
      ui: "prod",
      cronCheckSeconds: 30,
    });
  });

  it("names the variable that is missing or wrong", () => {
    expect(problems({})).toEqual([expect.stringMatching(/^DATABASE_URL: /)]);
    expect(problems({ ...base, PORT: "http" })).toEqual([expect.stringMatching(/^PORT: /)]);
    expect(problems({ ...base, SESSION_TTL: "forever" })).toEqual([expect.stringMatching(/^SESSION_TTL: /)]);
    expect(problems({ ...base, FLOTILLA_PUBLIC_URL: "ftp://x" })).toEqual([
      expect.stringMatching(/^FLOTILLA_PUBLIC_URL: /),
    ]);
    expect(problems({ ...base, OFFLINE_AFTER_INTERVALS: "0" })).toEqual([
      expect.stringMatching(/^OFFLINE_AFTER_INTERVALS: /),
    ]);
    // pg-boss refuses cron checks further apart than 45 s: say so at start-up instead.
    expect(problems({ ...base, FLOTILLA_CRON_CHECK_SECONDS: "60" })).toEqual([
      expect.stringMatching(/^FLOTILLA_CRON_CHECK_SECONDS: /),
    ]);
  });

  it("reads durations, the public origin and the UI mode", () => {
    const config = parseConfig(
      { ...base, SESSION_TTL: "12h", FLOTILLA_PUBLIC_URL: "https://fleet.example.com/", PORT: "0" },
      ["--dev"],
    );
    expect(config.sessionTtlMs).toBe(12 * 3_600_000);
    expect(config.publicUrl).toBe("https://fleet.example.com");
    expect(config.port).toBe(0);
    expect(config.ui).toBe("dev");
    expect(parseConfig({ ...base, FLOTILLA_UI: "off" }).ui).toBe("off");
    expect(parseConfig(base, ["--no-ui"]).ui).toBe("off");
  });

  it("parses durations", () => {
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("0")).toBeNull();
    expect(parseDuration("-5m")).toBeNull();
  });
});
