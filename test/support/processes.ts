/** Child processes for system tests: the real server and real agents, started as users would. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { waitForHttp } from "../../infra/local/wait.js";

export const ROOT = resolve(import.meta.dirname, "..", "..");
export const AGENT_BIN = join(ROOT, "apps/agent/dist/flotilla-agent.mjs");

export interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * The real server as a child process; `ui: false` skips Next (system tests need no pages), `env`
 * adds settings (e.g. FLOTILLA_CRON_CHECK_SECONDS), `nodeArgs` Node flags (a benchmark's
 * `--inspect=127.0.0.1:PORT`).
 */
export async function startServer(
  databaseUrl: string,
  port: number,
  opts: { ui?: boolean; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<Proc> {
  const proc = startProcess([...(opts.nodeArgs ?? []), "--import", "tsx", join(ROOT, "apps/web/server.ts")], {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    FLOTILLA_UI: opts.ui === false ? "off" : "prod",
    ...opts.env,
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- server output ---\n${proc.output()}`);
  }
  return proc;
}

export function newStateDir(): string {
  return mkdtempSync(join(tmpdir(), "flotilla-agent-"));
}

/** Runs `flotilla-agent enroll` to completion; returns its exit code and output. */
export async function enrollAgent(serverUrl: string, token: string, stateDir: string) {
  const proc = startProcess([AGENT_BIN, "enroll", "--server", serverUrl, "--token", token, "--state-dir", stateDir]);
  const code = await proc.exited;
  return { code, output: proc.output() };
}

export function runAgent(stateDir: string, intervalMs: number): Proc {
  return startProcess([AGENT_BIN, "run", "--state-dir", stateDir, "--interval-ms", String(intervalMs)], {
    LOG_LEVEL: "info",
  });
}

/**
 * One simulated host (`flotilla-agent sim --count 1`): the real bundled agent with the sim driver.
 * It enrols with the first token in `tokenFile` on its first start; its state is in `<stateDir>/host-001`.
 */
export function runSimAgent(serverUrl: string, stateDir: string, tokenFile: string, intervalMs = 1000): Proc {
  return startProcess(
    [
      AGENT_BIN,
      "sim",
      "--server",
      serverUrl,
      "--count",
      "1",
      "--state-dir",
      stateDir,
      "--token-file",
      tokenFile,
      "--interval-ms",
      String(intervalMs),
    ],
    { FLOTILLA_LOG_LEVEL: "info" },
  );
}
