/**
 * The server's configuration, parsed once at start-up. This is the only module that reads
 * process.env; everything else receives a `Config`.
 */
import { z } from "zod";

const UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90" (seconds), "30m", "12h", "7d" -> milliseconds. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return null;
  const unit = (match[2] ?? "s") as keyof typeof UNITS_MS;
  const ms = Number(match[1]) * UNITS_MS[unit];
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

const durationSchema = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a duration like 3600, 30m, 12h or 7d` });
    return z.NEVER;
  }
  return ms;
});

/** 32 random bytes, base64 (`openssl rand -base64 32`). */
const secretKeySchema = z.string().transform((value, ctx) => {
  const trimmed = value.trim();
  const bytes = Buffer.from(trimmed, "base64");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || bytes.length !== 32) {
    ctx.addIssue({ code: "custom", message: "must be 32 bytes in base64 (openssl rand -base64 32)" });
    return z.NEVER;
  }
  return bytes;
});

const envSchema = z.object({
  DATABASE_URL: z
    .string({ error: "is required (postgres://user:password@host:port/db)" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The address browsers and agents use, e.g. https://flotilla.example.com (for install commands, cookies, CSRF). */
  FLOTILLA_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SESSION_TTL: durationSchema.default(7 * UNITS_MS.d),
  /** A session unused this long ends (its absolute limit is SESSION_TTL). */
  SESSION_IDLE: durationSchema.default(12 * UNITS_MS.h),
  OFFLINE_AFTER_INTERVALS: z.coerce.number().int().min(1).max(100).default(3),
  /** Which dashboard to serve: the built Next app (prod), Next in dev mode, or none (API only). */
  FLOTILLA_UI: z.enum(["prod", "dev", "off"]).optional(),
  /**
   * Seals stored secrets (registry passwords) with AES-256-GCM. Optional so a server without
   * private registries needs no setup: in production, without it, storing or using registry
   * credentials is refused (nothing is derived or guessed); outside production the server makes
   * a random key in `.flotilla/secret.key` (0600) on first use instead (registries/secret-key.ts).
   * Losing or changing the key makes stored credentials unreadable: set them again.
   */
  FLOTILLA_SECRET_KEY: secretKeySchema.optional(),
  /** Alerting webhooks (server/webhooks): ranges the SSRF guard lets through, e.g. "10.0.0.0/8,127.0.0.1/32". */
  FLOTILLA_WEBHOOK_ALLOW_CIDRS: z
    .string()
    .refine(
      (v) =>
        v
          .split(/[,\s]+/)
          .filter(Boolean)
          .every((c) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(c)),
      "must be comma-separated CIDR ranges such as 127.0.0.0/8,::1/128",
    )
    .optional(),
  /** First retry delay of a failed webhook delivery; later ones double (capped at 2 h). */
  FLOTILLA_WEBHOOK_RETRY_DELAY: durationSchema.default(30_000),
  FLOTILLA_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  /** An endpoint failing for this long (no success meanwhile) is disabled with a notice. */
  FLOTILLA_WEBHOOK_DISABLE_AFTER: durationSchema.default(UNITS_MS.d),
  /** Days of raw samples kept (whole daily partitions are dropped after that). */
  FLOTILLA_RETENTION_RAW_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Days of 1-minute rollups kept; charts of up to 7 days read them. */
  FLOTILLA_RETENTION_1M_DAYS: z.coerce.number().int().min(1).max(3650).default(35),
  /** Days of 1-hour rollups kept; longer charts read them. */
  FLOTILLA_RETENTION_1H_DAYS: z.coerce.number().int().min(1).max(36500).default(400),
  /** Bearer token Prometheus must send to GET /metrics; when unset, only loopback clients may scrape. */
  FLOTILLA_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /**
   * How often each node checks the job queue's cron schedules (pg-boss allows 1-45 s). A schedule
   * still sends one job per minute across all nodes whatever this is: tests lower it so that many
   * checks compete for the same minute.
   */
  FLOTILLA_CRON_CHECK_SECONDS: z.coerce.number().int().min(1).max(45).default(30),
});

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  nodeEnv: "development" | "production" | "test";
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Origin (no trailing slash) browsers and agents reach us at, when configured. */
  publicUrl: string | null;
  sessionTtlMs: number;
  sessionIdleMs: number;
  offlineAfterIntervals: number;
  ui: "prod" | "dev" | "off";
  /** FLOTILLA_SECRET_KEY's 32 bytes, when set. */
  secretKey: Buffer | null;
  webhooks: { allowCidrs: string; retryDelayMs: number; maxAttempts: number; disableAfterMs: number };
  /** How many days each metrics tier is kept. */
  retentionDays: { raw: number; minute: number; hour: number };
  /** FLOTILLA_METRICS_TOKEN, when set. */
  metricsToken: string | null;
  /** How often the job queue checks its cron schedules. */
  cronCheckSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment and argv. Throws ConfigError naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): Config {
  // Empty strings count as unset, as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
  }
  const e = parsed.data;
  const ui = argv.includes("--dev") ? "dev" : argv.includes("--no-ui") ? "off" : (e.FLOTILLA_UI ?? "prod");
  return {
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    host: e.HOST,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    publicUrl: e.FLOTILLA_PUBLIC_URL ? new URL(e.FLOTILLA_PUBLIC_URL).origin : null,
    sessionTtlMs: e.SESSION_TTL,
    sessionIdleMs: e.SESSION_IDLE,
    offlineAfterIntervals: e.OFFLINE_AFTER_INTERVALS,
    ui,
    secretKey: e.FLOTILLA_SECRET_KEY ?? null,
    webhooks: {
      allowCidrs: e.FLOTILLA_WEBHOOK_ALLOW_CIDRS ?? "",
      retryDelayMs: e.FLOTILLA_WEBHOOK_RETRY_DELAY,
      maxAttempts: e.FLOTILLA_WEBHOOK_MAX_ATTEMPTS,
      disableAfterMs: e.FLOTILLA_WEBHOOK_DISABLE_AFTER,
    },
    retentionDays: {
      raw: e.FLOTILLA_RETENTION_RAW_DAYS,
      minute: e.FLOTILLA_RETENTION_1M_DAYS,
      hour: e.FLOTILLA_RETENTION_1H_DAYS,
    },
    metricsToken: e.FLOTILLA_METRICS_TOKEN ?? null,
    cronCheckSeconds: e.FLOTILLA_CRON_CHECK_SECONDS,
  };
}

/** Reads process.env and argv once; a bad value stops the process with the variable's name. */
export function loadConfig(): Config {
  try {
    return parseConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) console.error(`config: ${problem}`);
    process.exit(2);
  }
}
