// Live migration of an idle 128 MiB test guest back and forth between two qemu drivers acting as
// two hosts (network namespaces joined by a veth pair when this machine allows, else loopback):
// QEMU's downtime and total time, bytes sent, and the agents' own overhead around QMP `migrate`.
// Then the control plane: a real server on PostgreSQL and two in-process agents, the guest moved
// back and forth with migrations.start, for the overhead from the API call to QMP `migrate`.
// Writes test/bench/results/migration.json; never passes or fails on time.
//   npm run bench:migration [-- shared=20 copy=4 control=20]
// BENCH_PHASE=driver or BENCH_PHASE=control-plane runs one phase and merges its figures into the
// existing JSON file, leaving the other phase's as they were.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import {
  createQemuDriver,
  type MigrationResult,
  type QemuDriver,
  type StorageMode,
} from "../../apps/agent/src/drivers/qemu/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { canUseNetns, createNetnsPair, type NetnsPair } from "../support/netns.js";
import { ROOT } from "../support/processes.js";
import { createDisk, ensureGuest, janitor, newVmStateDir, RecordingListener } from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";
import { type ControlPlaneRun, runControlPlaneMigrations } from "./lib/control-plane-migrations.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const SHARED_RUNS = Number(args.shared ?? 20);
const COPY_RUNS = Number(args.copy ?? 4);
const CONTROL_RUNS = Number(args.control ?? 20);
const GUEST_MIB = 128;
const PHASE = process.env.BENCH_PHASE ?? "all";
if (!["all", "driver", "control-plane"].includes(PHASE)) {
  throw new Error(`BENCH_PHASE must be driver or control-plane (or unset for both), not ${PHASE}`);
}
const OUT = join(ROOT, "test/bench/results/migration.json");

interface Host {
  name: string;
  ip: string;
  driver: QemuDriver;
  stateDir: string;
}

interface Run extends MigrationResult {
  run: number;
  from: string;
  to: string;
  /** migrationSource + prepareIncoming: the target's QEMU up and listening. */
  prepareMs: number;
  /** The migrateOut call: QMP setup and migration (the source's cleanup comes after the target confirms). */
  migrateOutMs: number;
  /** From migrationSource to the target having adopted the VM. */
  endToEndMs: number;
  /**
   * The pause the guest saw: QEMU's STOP on the source to RESUME on the target (one clock here).
   * QEMU's own downtime ends when the source has sent the last byte, before the target runs.
   */
  guestPauseMs: number | null;
}

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function summary(values: number[]) {
  return { p50: percentile(values, 50), p95: percentile(values, 95), max: values.length ? Math.max(...values) : null };
}

async function migrateOnce(from: Host, to: Host, uuid: string, storage: StorageMode, run: number): Promise<Run> {
  const t0 = performance.now();
  const source = await from.driver.migrationSource(uuid);
  const target = await to.driver.prepareIncoming(source, { listenHost: to.ip, storage });
  const t1 = performance.now();
  const arrived = to.driver.awaitIncoming(uuid);
  arrived.catch(() => undefined);
  let result: MigrationResult;
  try {
    result = await from.driver.migrateOut(uuid, target);
  } catch (error) {
    await to.driver.abortIncoming(uuid, "the source failed");
    throw error;
  }
  const t2 = performance.now();
  const { resumedAt } = await arrived;
  // The target confirmed the guest runs there: the source removes its paused copy.
  await from.driver.finishSource(uuid, "confirmed", storage);
  const t3 = performance.now();
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    run,
    from: from.name,
    to: to.name,
    ...result,
    prepareMs: round(t1 - t0),
    migrateOutMs: round(t2 - t1),
    endToEndMs: round(t3 - t0),
    guestPauseMs: resumedAt && result.sourceStoppedAt ? resumedAt - result.sourceStoppedAt : null,
  };
}

function series(runs: Run[]) {
  return {
    migrations: runs.length,
    downtimeMs: summary(runs.map((r) => r.downtimeMs)),
    guestPauseMs: summary(runs.flatMap((r) => (r.guestPauseMs === null ? [] : [r.guestPauseMs]))),
    totalTimeMs: summary(runs.map((r) => r.totalTimeMs)),
    transferredBytes: summary(runs.map((r) => r.transferredBytes)),
    diskCopyMs: summary(runs.map((r) => r.diskCopyMs)),
    prepareMs: summary(runs.map((r) => r.prepareMs)),
    migrateOutMs: summary(runs.map((r) => r.migrateOutMs)),
    endToEndMs: summary(runs.map((r) => r.endToEndMs)),
  };
}

/** The agent-level figures: two qemu drivers, no control plane. */
async function driverPhase() {
  const netns = canUseNetns();
  const net: NetnsPair | undefined = netns ? createNetnsPair() : undefined;
  const shared = newVmStateDir();
  const hosts: Host[] = [];
  try {
    for (const [name, side] of [
      ["A", net?.a],
      ["B", net?.b],
    ] as const) {
      const stateDir = newVmStateDir();
      const driver = createQemuDriver({ stateDir, logger: createSilentLogger(), launcher: side?.launcher ?? [] });
      await driver.start(new RecordingListener());
      hosts.push({ name, ip: side?.ip ?? "127.0.0.1", driver, stateDir });
    }
    const [a, b] = hosts as [Host, Host];
    const guest = ensureGuest();
    const vm = await a.driver.createVm({
      name: "bench-migrant",
      memoryMiB: GUEST_MIB,
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      disks: [{ path: createDisk(join(shared, "bench.qcow2"), 64) }],
      // No hostfwd: on loopback both hosts would want the same port.
      network: { mode: "user", hostfwd: [] },
    });
    await a.driver.startVm(vm.uuid);
    await waitFor(() => readFileSync(vm.consoleLog, "utf8").includes("flotilla-guest ready"), 90_000);
    await new Promise((r) => setTimeout(r, 3000)); // let the guest settle into idle

    const runs: Run[] = [];
    let [here, there] = [a, b];
    // Copy runs last: after one, the disk lives in a host's own disk dir, no longer on a shared path.
    const plan: StorageMode[] = [...Array(SHARED_RUNS).fill("shared"), ...Array(COPY_RUNS).fill("copy")];
    for (const [i, storage] of plan.entries()) {
      const run = await migrateOnce(here, there, vm.uuid, storage, i + 1);
      runs.push(run);
      console.info(
        `#${run.run} ${run.from}->${run.to} ${storage}: downtime ${run.downtimeMs} ms (guest paused ` +
          `${run.guestPauseMs} ms), total ${run.totalTimeMs} ms, ` +
          `${(run.transferredBytes / 1048576).toFixed(1)} MiB, end to end ${run.endToEndMs} ms`,
      );
      [here, there] = [there, here];
    }
    await here.driver.stopVm(vm.uuid, true);

    const sharedRuns = runs.filter((r) => r.storage === "shared");
    const copyRuns = runs.filter((r) => r.storage === "copy");
    const results = {
      network: netns
        ? "two network namespaces joined by a veth pair; each host's QEMU runs in its namespace"
        : "loopback (network namespaces not available)",
      parameters: { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 1024 * 1024 * 1024, pollIntervalMs: 100 },
      shared: series(sharedRuns),
      copy: series(copyRuns),
      runs,
    };
    console.info(
      `shared (${sharedRuns.length}): downtime p50 ${results.shared.downtimeMs.p50} p95 ${results.shared.downtimeMs.p95} ` +
        `max ${results.shared.downtimeMs.max} ms; guest pause p50 ${results.shared.guestPauseMs.p50} p95 ` +
        `${results.shared.guestPauseMs.p95} ms; total p50 ${results.shared.totalTimeMs.p50} p95 ` +
        `${results.shared.totalTimeMs.p95} max ${results.shared.totalTimeMs.max} ms`,
    );
    return results;
  } finally {
    for (const host of hosts) {
      await host.driver.stop();
      janitor.clean(host.stateDir);
    }
    janitor.clean(shared);
    net?.remove();
  }
}

/** Through the control plane: real server, PostgreSQL, two agents, migrations.start. */
async function controlPlanePhase() {
  const runs: ControlPlaneRun[] = await runControlPlaneMigrations({
    migrations: CONTROL_RUNS,
    memoryMiB: GUEST_MIB,
    log: (line) => console.info(line),
  });
  const controlPlane = {
    date: new Date().toISOString(),
    setup:
      "real server (tsx, NODE_ENV=production) on a throw-away PostgreSQL; two in-process agents (qemu driver) " +
      "as two hosts whose QEMUs run in two network namespaces joined by a veth pair; migrations.start over " +
      "tRPC, guest from vm.create (32 MiB qcow2 template), shared storage, each migration waited for (succeeded) before the next, alternating A->B and B->A",
    migrations: runs.length,
    downtimeMs: summary(runs.map((r) => r.downtimeMs)),
    totalTimeMs: summary(runs.map((r) => r.totalTimeMs)),
    transferredBytes: summary(runs.map((r) => r.transferredBytes)),
    apiToSucceededMs: summary(runs.map((r) => r.apiToSucceededMs)),
    runs,
  };
  console.info(
    `control plane (${runs.length}): overhead (API call -> QMP migrate) p50 ${percentile(
      runs.map((r) => r.overheadMs),
      50,
    )} p95 ${percentile(
      runs.map((r) => r.overheadMs),
      95,
    )} ms; downtime p50 ${controlPlane.downtimeMs.p50} p95 ${controlPlane.downtimeMs.p95} ms`,
  );
  return {
    /**
     * From the API call (Migration.apiCalledAt, set by migrations.start) to QMP `migrate` being
     * issued on the source (Migration.migrateIssuedAt, reported by the source agent); one clock.
     */
    controlPlaneOverheadMs: { migrations: runs.length, ...summary(runs.map((r) => r.overheadMs)) },
    controlPlane,
  };
}

async function main() {
  const previous: Record<string, unknown> = existsSync(OUT) ? JSON.parse(readFileSync(OUT, "utf8")) : {};
  const driver = PHASE === "control-plane" ? undefined : await driverPhase();
  const control = PHASE === "driver" ? undefined : await controlPlanePhase();
  const results = {
    ...previous,
    benchmark: "live migration of an idle test guest (kernel + busybox initramfs), TCG",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", kernel: release() },
    guest: { memoryMiB: GUEST_MIB, disk: "64 MiB qcow2" },
    ...(driver ?? {}),
    ...(control ?? {}),
  };
  // Keys in a stable order: the summaries first, the per-run lists last.
  const { runs, controlPlane, ...head } = results as Record<string, unknown>;
  mkdirSync(join(ROOT, "test/bench/results"), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ ...head, runs, controlPlane }, null, 2)}\n`);
  console.info(`-> test/bench/results/migration.json (${PHASE === "all" ? "both phases" : `${PHASE} phase`})`);
}

await main();
