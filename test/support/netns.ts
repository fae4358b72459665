/**
 * Two "hosts" on one machine for migration tests: network namespaces joined by a veth pair,
 * each with a bridge holding its end of the link and its address (10.231.0.1 and .2/24, inside
 * the namespaces only; the root namespace is not touched). QEMU runs inside a namespace through
 * the qemu driver's `launcher` option. Also an HTTP poller that runs inside a namespace.
 * Needs root (ip netns); everything is deleted in `remove()` and again when the process exits.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface NetnsHost {
  ns: string;
  /** The host's address on the link between the two. */
  ip: string;
  bridge: string;
  /** The qemu driver's `launcher`: run a command inside this namespace. */
  launcher: string[];
}

export interface NetnsPair {
  a: NetnsHost;
  b: NetnsHost;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

const created = new Set<string>();
let exitHook = false;

/** Whether this process may create network namespaces (root with iproute2). */
export function canUseNetns(): boolean {
  const probe = `fltprobe${randomBytes(3).toString("hex")}`;
  if (spawnSync("ip", ["netns", "add", probe], { stdio: "ignore" }).status !== 0) return false;
  spawnSync("ip", ["netns", "del", probe], { stdio: "ignore" });
  return true;
}

function removeNamespace(ns: string): void {
  // Processes left inside (a QEMU a failed test did not stop) go with it.
  const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
  created.delete(ns);
}

export function createNetnsPair(): NetnsPair {
  const id = `flt${randomBytes(3).toString("hex")}`;
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const ns of [...created]) removeNamespace(ns);
    });
  }
  const hosts = (["a", "b"] as const).map((side, i) => ({
    ns: `${id}${side}`,
    ip: `10.231.0.${i + 1}`,
    bridge: "br0",
    launcher: ["ip", "netns", "exec", `${id}${side}`],
    veth: `${id}v${side}`,
  }));
  const [a, b] = hosts as [(typeof hosts)[0], (typeof hosts)[0]];
  for (const h of hosts) {
    ip("netns", "add", h.ns);
    created.add(h.ns);
  }
  ip("link", "add", a.veth, "netns", a.ns, "type", "veth", "peer", "name", b.veth, "netns", b.ns);
  for (const h of hosts) {
    const inNs = (...args: string[]) => ip("-n", h.ns, ...args);
    inNs("link", "set", "lo", "up");
    inNs("link", "add", h.bridge, "type", "bridge");
    inNs("link", "set", h.veth, "master", h.bridge);
    inNs("addr", "add", `${h.ip}/24`, "dev", h.bridge);
    inNs("link", "set", h.veth, "up");
    inNs("link", "set", h.bridge, "up");
  }
  const strip = ({ veth, ...host }: (typeof hosts)[0]): NetnsHost => host;
  return {
    a: strip(a),
    b: strip(b),
    remove() {
      for (const h of hosts) removeNamespace(h.ns);
    },
  };
}

export interface PollResult {
  /** ms since the epoch when the request started. */
  at: number;
  url: string;
  ok: boolean;
  ms: number;
}

/**
 * An HTTP client inside a namespace that requests `url` back to back (every `intervalMs`), one
 * request at a time, like a user reloading a page; `setUrl` points it elsewhere.
 */
export class NetnsPoller {
  readonly results: PollResult[] = [];
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(ns: string, url: string, intervalMs = 50, timeoutMs = 1000) {
    const script = `
      let url = ${JSON.stringify(url)};
      let running = true;
      require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {
        if (line === "quit") running = false; else url = line;
      });
      (async () => {
        while (running) {
          const at = Date.now();
          const target = url;
          let ok = false;
          try {
            const res = await fetch(target, { signal: AbortSignal.timeout(${timeoutMs}) });
            ok = res.ok && (await res.text()).includes("flotilla test guest");
          } catch {}
          process.stdout.write(JSON.stringify({ at, url: target, ok, ms: Date.now() - at }) + "\\n");
          await new Promise((r) => setTimeout(r, ${intervalMs}));
        }
        process.exit(0);
      })();`;
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script]);
    let buffer = "";
    this.child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line) this.results.push(JSON.parse(line) as PollResult);
    });
  }

  setUrl(url: string): void {
    this.child.stdin.write(`${url}\n`);
  }

  /** The results since `from` (ms since the epoch). */
  since(from: number): PollResult[] {
    return this.results.filter((r) => r.at >= from);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.on("exit", resolve));
    this.child.stdin.write("quit\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
