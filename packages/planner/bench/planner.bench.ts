// Planner benchmark: generated fleets from 100 to 10,000 workloads, figures for each case
// written to test/bench/results/planner.json and summarised on stdout. Never asserts on time.
// Run: npm run bench:planner [-- --quick]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DemandProfile, type FleetSpec, generateFleet } from "../src/generate-fleet.js";
import { checkPlan, evaluateBaselines, planConsolidation } from "../src/index.js";

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), "../../../test/bench/results/planner.json");
const PROFILES: DemandProfile[] = ["uniform", "bimodal", "heavy-tailed", "memory-bound", "cpu-bound"];
const SIZES = [
  [100, 10],
  [1000, 100],
  [3000, 300],
  [10000, 1000],
] as const;
const VARIANTS = {
  plain: {},
  constrained: { mixedHostSizes: true, antiAffinityShare: 0.1, pinnedShare: 0.02, maintenanceShare: 0.03 },
} as const;

interface CaseResult {
  name: string;
  workloads: number;
  hosts: number;
  hostsBefore: number;
  plannerHosts: number;
  ffdHosts: number | null;
  lowerBound: number;
  withinOnePercent: boolean;
  /**
   * Against first-fit decreasing: "fewer"; "equal-ffd-at-bound" when FFD already uses the lower
   * bound, so strictly fewer hosts than FFD is impossible; "equal" (fewer might exist); "more".
   */
  versusFfd: "fewer" | "equal-ffd-at-bound" | "equal" | "more" | "no-ffd";
  migrations: number;
  minMigrationsEstimate: number;
  ffdMigrations: number | null;
  steps: number;
  bytesToMove: number;
  /** The first run in the process, JIT warm-up included (what a one-shot CLI call sees). */
  firstRunMs: number;
  timeMs: number;
  /** CPU time of the timed run (this process only). */
  cpuMs: number;
  valid: boolean;
}

function versusFfd(planner: number, ffd: number | null, bound: number): CaseResult["versusFfd"] {
  if (ffd === null) return "no-ffd";
  if (planner < ffd) return "fewer";
  if (planner > ffd) return "more";
  return ffd === bound ? "equal-ffd-at-bound" : "equal";
}

function runCase(name: string, spec: FleetSpec): CaseResult {
  const input = generateFleet(spec);
  let started = performance.now();
  planConsolidation(input);
  const firstRunMs = performance.now() - started;
  started = performance.now();
  const cpuBefore = process.cpuUsage();
  const plan = planConsolidation(input);
  const timeMs = performance.now() - started;
  // CPU time too: on a shared machine wall time also counts other processes' turns.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const { figures } = plan;
  const baselines = evaluateBaselines(input, figures.hostsAfter);
  return {
    name,
    workloads: spec.workloads,
    hosts: spec.hosts,
    hostsBefore: figures.hostsBefore,
    plannerHosts: figures.hostsAfter,
    ffdHosts: baselines.firstFit?.hostsUsed ?? null,
    lowerBound: figures.lowerBound,
    // Literal: at most 1 % above the bound, so below 100 hosts only the bound itself.
    withinOnePercent: figures.hostsAfter <= figures.lowerBound * 1.01,
    versusFfd: versusFfd(figures.hostsAfter, baselines.firstFit?.hostsUsed ?? null, figures.lowerBound),
    migrations: figures.migrations,
    minMigrationsEstimate: baselines.minMigrations,
    ffdMigrations: baselines.firstFit?.migrations ?? null,
    steps: plan.moves.at(-1)?.step ?? 0,
    bytesToMove: figures.bytesToMove,
    firstRunMs: Math.round(firstRunMs * 10) / 10,
    timeMs: Math.round(timeMs * 10) / 10,
    cpuMs: Math.round(cpuMs * 10) / 10,
    valid: checkPlan(input, plan).length === 0,
  };
}

function main(): void {
  const quick = process.argv.includes("--quick");
  const sizes = quick ? SIZES.slice(0, 2) : SIZES;
  const results: CaseResult[] = [];
  let seed = 1;
  for (const [workloads, hosts] of sizes) {
    for (const profile of PROFILES) {
      for (const [variant, options] of Object.entries(VARIANTS)) {
        const name = `${workloads}w-${hosts}h-${profile}-${variant}`;
        const result = runCase(name, { seed: seed++, workloads, hosts, profile, ...options });
        results.push(result);
        printRow(result);
      }
    }
  }
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, cases: results }, null, 2)}\n`,
  );
  printSummary(results);
}

function printRow(r: CaseResult): void {
  const ratio = r.minMigrationsEstimate > 0 ? (r.migrations / r.minMigrationsEstimate).toFixed(3) : "-";
  console.log(
    `${r.name.padEnd(36)} before ${String(r.hostsBefore).padStart(4)}  planner ${String(r.plannerHosts).padStart(4)}  ffd ${String(r.ffdHosts).padStart(4)}  bound ${String(r.lowerBound).padStart(4)}  moves ${String(r.migrations).padStart(5)} (min ${r.minMigrationsEstimate}, x${ratio})  ${r.timeMs} ms (${r.cpuMs} ms CPU)${r.valid ? "" : "  INVALID"}`,
  );
}

function printSummary(results: CaseResult[]): void {
  const count = (f: (r: CaseResult) => boolean) => results.filter(f).length;
  const worst = Math.max(
    ...results.map((r) => (r.minMigrationsEstimate > 0 ? r.migrations / r.minMigrationsEstimate : 1)),
  );
  const biggest = results.filter((r) => r.workloads === 10000).flatMap((r) => [r.timeMs, r.firstRunMs]);
  const biggestCpu = results.filter((r) => r.workloads === 10000).map((r) => r.cpuMs);
  console.log(`\n${results.length} cases, written to ${RESULTS}`);
  console.log(
    `planner fewer hosts than FFD: ${count((r) => r.ffdHosts !== null && r.plannerHosts < r.ffdHosts)}, equal: ${count((r) => r.plannerHosts === r.ffdHosts)}, more: ${count((r) => r.ffdHosts !== null && r.plannerHosts > r.ffdHosts)}`,
  );
  const atBound = results.filter((r) => r.versusFfd === "equal-ffd-at-bound");
  console.log(
    `  ties where FFD is already at the lower bound (strictly fewer than FFD is impossible): ${atBound.length}`,
  );
  for (const r of atBound) console.log(`    ${r.name}: FFD ${r.ffdHosts} = lower bound ${r.lowerBound}`);
  const open = results.filter((r) => r.versusFfd === "equal");
  console.log(`  ties above the lower bound (fewer than FFD not found, not proven impossible): ${open.length}`);
  for (const r of open) console.log(`    ${r.name}: planner = FFD = ${r.ffdHosts}, lower bound ${r.lowerBound}`);
  console.log(`within 1 % of the lower bound: ${count((r) => r.withinOnePercent)} of ${results.length}`);
  console.log(`worst migrations / minimum estimate: ${worst.toFixed(3)}`);
  if (biggest.length > 0)
    console.log(
      `10,000 workloads on 1,000 hosts: ${Math.min(...biggest)}-${Math.max(...biggest)} ms wall (first and second runs), ${Math.min(...biggestCpu)}-${Math.max(...biggestCpu)} ms CPU (second runs)`,
    );
  console.log(`invalid plans: ${count((r) => !r.valid)}`);
}

main();
