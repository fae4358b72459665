/**
 * `container.logs` for simulated containers: a plausible access log, the same lines for the same
 * container and second. With `follow` a new line comes every `lineEveryMs` until the command is
 * cancelled or reaches its deadline, or the container stops (as `docker logs -f` ends).
 */
import { CommandError, type CommandHandler } from "../../commands/handler.js";
import type { SimWorkload } from "./host-model.js";
import { createRandom, hashParts, pick } from "./random.js";

const PATHS = ["/", "/index.html", "/api/health", "/api/items", "/static/app.js", "/login", "/favicon.ico"];
const STATUSES = [200, 200, 200, 200, 204, 301, 304, 404, 500];
/** Lines of history a simulated container has. */
const HISTORY_LINES = 200;

export function simLogLine(workloadId: string, ts: number, timestamps: boolean): string {
  const random = createRandom(hashParts(workloadId, "log", Math.floor(ts / 1000), ts % 1000));
  const ip = `10.0.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}`;
  const line = `${ip} - - "GET ${pick(random, PATHS)} HTTP/1.1" ${pick(random, STATUSES)} ${Math.floor(random() * 5000)}`;
  return timestamps ? `${new Date(ts).toISOString()} ${line}` : line;
}

export function createSimLogsHandler(
  find: (workloadId: string) => SimWorkload | undefined,
  lineEveryMs: number,
): CommandHandler<"container.logs"> {
  return async (payload, ctx) => {
    const w = find(payload.workloadId);
    if (!w) throw new CommandError("not_found", `no container ${payload.workloadId} on this host`);
    if (w.workload.kind !== "container")
      throw new CommandError("unsupported", `${w.workload.name} is a VM: it has no logs`);

    const now = Date.now();
    const history = Math.min(payload.tail ?? HISTORY_LINES, HISTORY_LINES);
    const lines: string[] = [];
    for (let i = history; i >= 1; i--) {
      const ts = now - i * lineEveryMs;
      if (payload.since === undefined || ts >= payload.since)
        lines.push(simLogLine(w.workload.id, ts, payload.timestamps));
    }
    ctx.output("stdout", lines);
    let count = lines.length;
    if (!payload.follow) return { lines: count };

    ctx.progress(undefined, `following the logs of ${w.workload.name}`);
    while (!ctx.signal.aborted && w.workload.state === "running") {
      await pause(lineEveryMs, ctx.signal);
      if (ctx.signal.aborted) break;
      ctx.output("stdout", [simLogLine(w.workload.id, Date.now(), payload.timestamps)]);
      count += 1;
    }
    return { lines: count };
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
