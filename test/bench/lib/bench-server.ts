/**
 * The real server (API only) for memory benchmarks, optionally with its inspector open on
 * loopback so the bench can force a GC and read process.memoryUsage() from outside.
 */
import { type Proc, startServer } from "../../support/processes.js";

export function startBenchServer(
  databaseUrl: string,
  port: number,
  opts: { inspectPort?: number; nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<Proc> {
  const inspect = opts.inspectPort ? [`--inspect=127.0.0.1:${opts.inspectPort}`] : [];
  return startServer(databaseUrl, port, {
    ui: false,
    nodeArgs: [...inspect, ...(opts.nodeArgs ?? [])],
    env: opts.env,
  });
}
