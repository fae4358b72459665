/**
 * The agent's configuration, parsed once at start-up from CLI flags and FLOTILLA_* environment
 * variables (a flag wins over its variable). A bad value throws an AgentError("config") whose
 * message names the flag or variable. Nothing else in the agent reads process.env.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { AgentError } from "./errors.js";
import { LOG_LEVELS } from "./logger.js";
import { normaliseServerUrl } from "./server-url.js";

export const DEFAULT_STATE_DIR = "/var/lib/flotilla-agent";
export const DEFAULT_INTERVAL_MS = 5000;
export const DEFAULT_SPOOL_MAX_BYTES = 50 * 1024 * 1024;

/** Every option: its flag and, where it has one, its environment variable. */
const OPTIONS = {
  server: { flag: "server", env: "FLOTILLA_SERVER", type: "string" },
  token: { flag: "token", env: "FLOTILLA_TOKEN", type: "string" },
  stateDir: { flag: "state-dir", env: "FLOTILLA_STATE_DIR", type: "string" },
  intervalMs: { flag: "interval-ms", env: "FLOTILLA_INTERVAL_MS", type: "string" },
  logLevel: { flag: "log-level", env: "FLOTILLA_LOG_LEVEL", type: "string" },
  spoolMaxBytes: { flag: "spool-max-bytes", env: "FLOTILLA_SPOOL_MAX_BYTES", type: "string" },
  count: { flag: "count", env: "FLOTILLA_SIM_COUNT", type: "string" },
  tokenFile: { flag: "token-file", env: "FLOTILLA_TOKEN_FILE", type: "string" },
  seed: { flag: "seed", env: "FLOTILLA_SIM_SEED", type: "string" },
  namePrefix: { flag: "name-prefix", env: "FLOTILLA_SIM_NAME_PREFIX", type: "string" },
  drivers: { flag: "drivers", env: "FLOTILLA_DRIVERS", type: "string" },
  dockerSocket: { flag: "docker-socket", env: "FLOTILLA_DOCKER_SOCKET", type: "string" },
  force: { flag: "force", env: undefined, type: "boolean" },
  help: { flag: "help", env: undefined, type: "boolean" },
} as const;
type OptionKey = keyof typeof OPTIONS;

const COMMAND_OPTIONS = {
  enroll: ["server", "token", "stateDir", "logLevel", "force", "drivers", "dockerSocket"],
  run: ["server", "token", "stateDir", "intervalMs", "logLevel", "spoolMaxBytes", "drivers", "dockerSocket"],
  sim: ["server", "count", "stateDir", "tokenFile", "intervalMs", "logLevel", "spoolMaxBytes", "seed", "namePrefix"],
} as const satisfies Record<string, readonly OptionKey[]>;
export type CommandName = keyof typeof COMMAND_OPTIONS;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** Bytes, optionally with a binary suffix: 52428800, 50M, 50MiB, 1G. */
const byteSize = z
  .string()
  .regex(/^\d+\s*([kmg]i?b?)?$/i, "must be a size such as 52428800 or 50M")
  .transform((s) => {
    const m = /^(\d+)\s*([kmg])?/i.exec(s);
    const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m?.[2] ?? "").toLowerCase()] ?? 1;
    return Number(m?.[1]) * unit;
  })
  .pipe(z.number().min(1024 * 1024, "must be at least 1M"));

const serverUrl = z.string().transform((s, ctx) => {
  try {
    return normaliseServerUrl(s);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/** Workload drivers a real host can run; `sim` has its own command. */
export const WORKLOAD_DRIVERS = ["docker", "qemu", "libvirt"] as const;
export type WorkloadDriverName = (typeof WORKLOAD_DRIVERS)[number];

/** "auto" (each driver whose runtime answers), "none", or a comma-separated list. */
const driverChoice = z
  .string()
  .transform((s, ctx): "auto" | WorkloadDriverName[] => {
    const value = s.trim().toLowerCase();
    if (value === "auto") return "auto";
    if (value === "none") return [];
    const names = [...new Set(value.split(",").map((n) => n.trim()))].filter(Boolean);
    const unknown = names.find((n) => !(WORKLOAD_DRIVERS as readonly string[]).includes(n));
    if (unknown !== undefined || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `${unknown ? `unknown driver "${unknown}"` : "no driver named"}: use auto, none, or a list of ${WORKLOAD_DRIVERS.join(", ")}`,
      });
      return z.NEVER;
    }
    return names as WorkloadDriverName[];
  })
  .default("auto");

/** A unix socket path, also accepted as a unix:// URL as in DOCKER_HOST. */
const unixSocket = z.string().transform((s, ctx) => {
  const path = s.startsWith("unix://") ? s.slice("unix://".length) : s;
  if (!path.startsWith("/")) {
    ctx.addIssue({ code: "custom", message: "must be an absolute unix socket path or a unix:// URL" });
    return z.NEVER;
  }
  return path;
});

/** DOCKER_HOST names the engine for the docker CLI too; only a unix socket there concerns the agent. */
function dockerHostSocket(value: string | undefined): string | undefined {
  return value?.startsWith("unix:///") ? value.slice("unix://".length) : undefined;
}

const workloadDrivers = { drivers: driverChoice, dockerSocket: unixSocket.optional() };

const common = {
  stateDir: z.string().min(1, "must not be empty").default(DEFAULT_STATE_DIR),
  logLevel: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
};
const intervalMs = wholeNumber(1000, 3_600_000).default(DEFAULT_INTERVAL_MS);
const spoolMaxBytes = byteSize.default(DEFAULT_SPOOL_MAX_BYTES);

const schemas = {
  enroll: z.object({
    ...common,
    server: serverUrl,
    token: z.string().min(16, "must be at least 16 characters").max(200, "must be at most 200 characters"),
    force: z.boolean().default(false),
    ...workloadDrivers,
  }),
  run: z.object({
    ...common,
    server: serverUrl.optional(),
    token: z.string().min(16, "must be at least 16 characters").max(200).optional(),
    intervalMs,
    spoolMaxBytes,
    ...workloadDrivers,
  }),
  sim: z.object({
    ...common,
    stateDir: z.string().min(1, "must not be empty"),
    server: serverUrl,
    count: wholeNumber(1, 10_000),
    tokenFile: z.string().min(1).optional(),
    intervalMs,
    spoolMaxBytes,
    seed: wholeNumber(0, 2 ** 31 - 1).default(1),
    namePrefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,40}$/i, "must be letters, digits and dashes")
      .default("sim"),
  }),
};

export type EnrollConfig = { command: "enroll" } & z.infer<typeof schemas.enroll>;
export type RunConfig = { command: "run" } & z.infer<typeof schemas.run>;
export type SimConfig = { command: "sim" } & z.infer<typeof schemas.sim>;
export type Config =
  | { command: "help"; topic?: CommandName }
  | { command: "version" }
  | EnrollConfig
  | RunConfig
  | SimConfig;

type Env = Readonly<Record<string, string | undefined>>;

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_OPTIONS, name);
}

function describe(key: OptionKey): string {
  const o = OPTIONS[key];
  return o.env ? `--${o.flag} (or ${o.env})` : `--${o.flag}`;
}

/** Parses argv (without node and script) and the environment into a Config, or throws AgentError("config"). */
export function parseConfig(argv: readonly string[], env: Env): Config {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const topic = rest[0];
    return topic && isCommand(topic) ? { command: "help", topic } : { command: "help" };
  }
  if (first === "version" || first === "--version" || first === "-v") return { command: "version" };
  if (!isCommand(first)) throw new AgentError("config", `unknown command "${first}" (try: flotilla-agent --help)`);

  const allowed: readonly OptionKey[] = [...COMMAND_OPTIONS[first], "help"];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...rest],
      options: Object.fromEntries(allowed.map((k) => [OPTIONS[k].flag, { type: OPTIONS[k].type }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new AgentError("config", `${first}: ${(error as Error).message}`);
  }
  if (values.help) return { command: "help", topic: first };

  // Flags win over environment variables; remember which one a value came from for messages.
  const raw: Record<string, string | boolean> = {};
  const source: Partial<Record<OptionKey, string>> = {};
  for (const key of allowed) {
    const { flag, env: envName } = OPTIONS[key];
    const fromFlag = values[flag];
    if (fromFlag !== undefined) {
      raw[key] = fromFlag;
      source[key] = `--${flag}`;
    } else if (envName && env[envName] !== undefined && env[envName] !== "") {
      raw[key] = env[envName] as string;
      source[key] = envName;
    }
  }

  const parsed = schemas[first].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] as OptionKey | undefined;
    if (!key || !(key in OPTIONS)) throw new AgentError("config", `${first}: ${issue?.message ?? "invalid options"}`);
    const message =
      raw[key] === undefined
        ? `${describe(key)} is required for ${first}`
        : `invalid ${source[key]} ${JSON.stringify(raw[key])}: ${issue?.message}`;
    throw new AgentError("config", message);
  }
  const data: Record<string, unknown> = { ...parsed.data };
  if ("drivers" in data && data.dockerSocket === undefined) {
    const fromDockerHost = dockerHostSocket(env.DOCKER_HOST);
    if (fromDockerHost) data.dockerSocket = fromDockerHost;
  }
  return { command: first, ...data } as Config;
}

export const USAGE = `flotilla-agent: the Flotilla host agent

Usage:
  flotilla-agent enroll --server URL --token TOKEN [--state-dir DIR] [--force] [--drivers LIST]
      Trade a one-time enrolment token for this host's credentials
      (written to DIR/credentials.json, mode 0600).
  flotilla-agent run [--state-dir DIR] [--interval-ms N] [--server URL] [--token TOKEN]
                     [--drivers LIST] [--docker-socket PATH]
      Run the agent until SIGINT/SIGTERM. With --token, enrols first if DIR has no credentials.
  flotilla-agent sim --server URL --count N --state-dir DIR [--token-file FILE] [--seed S]
      Run N simulated hosts in one process, each with its own connection and DIR/host-NNN state.
      Hosts without credentials enrol with tokens from FILE (a JSON array of strings).
  flotilla-agent --help | --version

Options (flag, environment variable, default):
  --server URL           FLOTILLA_SERVER             control plane base URL (http:// or https://)
  --token TOKEN          FLOTILLA_TOKEN              one-time enrolment token
  --state-dir DIR        FLOTILLA_STATE_DIR          ${DEFAULT_STATE_DIR}
  --interval-ms N        FLOTILLA_INTERVAL_MS        ${DEFAULT_INTERVAL_MS} (min 1000)
  --spool-max-bytes N    FLOTILLA_SPOOL_MAX_BYTES    50M  unacknowledged metrics kept on disk
  --log-level L          FLOTILLA_LOG_LEVEL          info (${LOG_LEVELS.join("|")})
  --count N              FLOTILLA_SIM_COUNT          sim: number of hosts
  --token-file FILE      FLOTILLA_TOKEN_FILE         sim: JSON array of enrolment tokens
  --seed S               FLOTILLA_SIM_SEED           sim: 1 (same seed, same fleet)
  --name-prefix P        FLOTILLA_SIM_NAME_PREFIX    sim: sim (hostnames P-001, P-002, ...)
  --drivers LIST         FLOTILLA_DRIVERS            auto: every driver whose runtime answers at start;
                                                     or none, or a list of docker, qemu, libvirt (a listed
                                                     driver runs even when its runtime is not up yet)
  --docker-socket PATH   FLOTILLA_DOCKER_SOCKET      the Docker or Podman API socket (also unix://PATH);
                                                     default DOCKER_HOST if unix://, else the first of
                                                     /var/run/docker.sock, /run/podman/podman.sock that answers
  --force                                            enroll: replace existing credentials
`;
