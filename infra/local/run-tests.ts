// Runs the whole suite in order (unit, system, e2e) and prints one summary line that CI reads:
// "N passed, N failed". Each stage runs even when an earlier one failed, so one red test does
// not hide the state of the rest.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");
const REPORTS = join(ROOT, "test-results", "reports");
rmSync(REPORTS, { recursive: true, force: true });
mkdirSync(REPORTS, { recursive: true });

interface Tally {
  stage: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number;
  seconds: number;
}

const only = process.argv.slice(2);
const stages: Array<{ name: string; cmd: string[]; env?: Record<string, string>; read: (file: string) => Tally }> = [
  { name: "unit", cmd: vitest("unit"), read: readVitest("unit") },
  { name: "system", cmd: vitest("system"), read: readVitest("system") },
  {
    name: "e2e",
    cmd: ["npx", "playwright", "test", "-c", "test/e2e/playwright.config.ts", "--reporter=list,json"],
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: join(REPORTS, "e2e.json") },
    read: readPlaywright,
  },
];

function vitest(project: string): string[] {
  return [
    "npx",
    "vitest",
    "run",
    "--project",
    project,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${join(REPORTS, `${project}.json`)}`,
  ];
}

function readVitest(stage: string) {
  return (file: string): Tally => {
    const r = JSON.parse(readFileSync(file, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      numFailedTestSuites: number;
    };
    // A suite that fails to load counts as a failure even though it has no tests.
    return {
      stage,
      passed: r.numPassedTests,
      failed: r.numFailedTests + (r.numFailedTests === 0 ? r.numFailedTestSuites : 0),
      skipped: r.numPendingTests + r.numTodoTests,
      exitCode: 0,
      seconds: 0,
    };
  };
}

function readPlaywright(file: string): Tally {
  const r = JSON.parse(readFileSync(file, "utf8")) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    errors?: unknown[];
  };
  return {
    stage: "e2e",
    passed: r.stats.expected + r.stats.flaky,
    failed: r.stats.unexpected + (r.errors?.length ?? 0),
    skipped: r.stats.skipped,
    exitCode: 0,
    seconds: 0,
  };
}

const tallies: Tally[] = [];
for (const stage of stages) {
  if (only.length > 0 && !only.includes(stage.name)) continue;
  console.log(`\n\x1b[1m== ${stage.name} tests ==\x1b[0m`);
  const started = Date.now();
  const [cmd, ...args] = stage.cmd as [string, ...string[]];
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...stage.env } });
  const exitCode = result.status ?? 1;
  let tally: Tally;
  try {
    tally = stage.read(join(REPORTS, `${stage.name}.json`));
  } catch {
    // No report means the runner itself broke: count the stage as one failure.
    tally = { stage: stage.name, passed: 0, failed: 1, skipped: 0, exitCode, seconds: 0 };
  }
  if (exitCode !== 0 && tally.failed === 0) tally.failed = 1;
  tally.exitCode = exitCode;
  tally.seconds = Math.round((Date.now() - started) / 1000);
  tallies.push(tally);
}

console.log("\n\x1b[1m== summary ==\x1b[0m");
for (const t of tallies) {
  console.log(`${t.stage.padEnd(7)} ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${t.seconds} s)`);
}
const passed = tallies.reduce((n, t) => n + t.passed, 0);
const failed = tallies.reduce((n, t) => n + t.failed, 0);
const skipped = tallies.reduce((n, t) => n + t.skipped, 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
