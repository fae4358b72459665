/**
 * The real server (API only) for memory benchmarks, optionally with its inspector open on
 * loopback so the bench can force a GC and read process.memoryUsage() from outside.
 */
import { join } from "node:path";
import { waitForHttp } from "../../../infra/local/wait.js";
import { type Proc, ROOT, startProcess } from "../../support/processes.js";

export async function startBenchServer(
  databaseUrl: string,
  port: number,
  opts: { inspectPort?: number; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<Proc> {
  const inspect = opts.inspectPort ? [`--inspect=127.0.0.1:${opts.inspectPort}`] : [];
  const proc = startProcess(
    [...inspect, ...(opts.nodeArgs ?? []), "--import", "tsx", join(ROOT, "apps/web/server.ts")],
    {
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      FLOTILLA_UI: "off",
      ...opts.env,
    },
  );
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);
  } catch (err) {
    await proc.stop("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- server output ---\n${proc.output()}`);
  }
  return proc;
}
