/**
 * Debian's prometheus-node-exporter with its default collectors on a loopback port, and a
 * scraper that asks it for metrics the way Prometheus would, counting the samples it exposes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { waitFor } from "../../support/wait-for.js";

export const NODE_EXPORTER_BIN = "/usr/bin/prometheus-node-exporter";

/** What Prometheus sends to a target that speaks the text format. */
export const SCRAPE_HEADERS = {
  accept: "text/plain;version=0.0.4;q=1,*/*;q=0.1",
  "accept-encoding": "gzip",
} as const;

export interface NodeExporter {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startNodeExporter(port: number): Promise<NodeExporter> {
  if (!existsSync(NODE_EXPORTER_BIN))
    throw new Error(`${NODE_EXPORTER_BIN} is missing (Debian: apt-get install -y prometheus-node-exporter)`);
  const child = spawn(NODE_EXPORTER_BIN, [`--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}/metrics`;
  const exporter: NodeExporter = {
    child,
    pid: child.pid ?? -1,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`node_exporter exited with ${child.exitCode}:\n${out}`);
        return fetch(url, { headers: SCRAPE_HEADERS }).then(
          (r) => r.ok,
          () => false,
        );
      },
      20_000,
      () => out,
    );
  } catch (error) {
    await exporter.stop();
    throw error;
  }
  return exporter;
}

/** Sample lines in a text exposition: every line that is neither empty nor a comment. */
export function countSamples(exposition: string): number {
  let n = 0;
  for (const line of exposition.split("\n")) if (line !== "" && !line.startsWith("#")) n++;
  return n;
}

/** Collectors that reported `node_scrape_collector_success 0` in an exposition. */
export function failedCollectors(exposition: string): string[] {
  return [...exposition.matchAll(/^node_scrape_collector_success\{collector="([^"]+)"\} 0$/gm)].map((m) => m[1] ?? "");
}

export interface Scrape {
  /** Date.now() when the request was sent. */
  at: number;
  samples: number;
  ms: number;
}

/**
 * Scrapes `url` on every multiple of `intervalMs` until stopped, like Prometheus: one request at
 * a time, a slot missed while the previous scrape runs is skipped.
 */
export class Scraper {
  readonly scrapes: Scrape[] = [];
  errors = 0;
  lastExposition = "";
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: string,
    readonly intervalMs: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      await new Promise((r) => setTimeout(r, (Math.floor(now / this.intervalMs) + 1) * this.intervalMs - now));
      if (this.stopped) return;
      const at = Date.now();
      try {
        const response = await fetch(this.url, { headers: SCRAPE_HEADERS, signal: AbortSignal.timeout(10_000) });
        const text = await response.text();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        this.scrapes.push({ at, samples: countSamples(text), ms: Date.now() - at });
        this.lastExposition = text;
      } catch {
        this.errors++;
      }
    }
  }
}
