// What one metrics tick of the docker driver costs at N containers, reading cgroup files versus
// calling the engine's one-shot stats API, on a private dockerd and a private Podman service.
// Writes test/bench/results/docker-metrics.json; never passes or fails on time.
//   npx tsx test/bench/docker-metrics.ts [containers=50] [ticks=10]
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { dirname, join } from "node:path";
import { mapWithLimit } from "../../apps/agent/src/drivers/docker/container-metrics.js";
import { DockerDriver } from "../../apps/agent/src/drivers/docker/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { type ContainerEngine, type EngineKind, runContainer, startEngine } from "../support/container-engines.js";
import { ROOT } from "../support/processes.js";

const N = Number(process.argv[2] ?? 50);
const TICKS = Number(process.argv[3] ?? 10);
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds used so far by every process whose command line names `marker` (the engine's dir). */
function engineCpuSeconds(marker: string): number {
  let jiffies = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      jiffies += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return jiffies / CLOCK_TICKS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x * 100) / 100;

async function measure(engine: ContainerEngine, source: "cgroup" | "api") {
  const driver = new DockerDriver({
    socketPath: engine.socketPath,
    logger: createSilentLogger(),
    metricsSource: source,
  });
  await driver.start({ inventoryChanged: () => {}, event: () => {} });
  const marker = dirname(engine.socketPath);
  const wall: number[] = [];
  let samples = 0;
  let agentCpuMs = 0;
  let engineCpuS = 0;
  for (let tick = -2; tick < TICKS; tick++) {
    await new Promise((r) => setTimeout(r, 1000));
    const engineBefore = engineCpuSeconds(marker);
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const batch = await driver.sample(Date.now());
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    const engineAfter = engineCpuSeconds(marker);
    if (tick < 0) continue; // warm-up: first readings, connections, JIT
    wall.push(elapsed);
    samples += batch.length;
    agentCpuMs += (cpu.user + cpu.system) / 1000;
    engineCpuS += engineAfter - engineBefore;
  }
  await driver.stop();
  return {
    samplesPerTick: samples / TICKS,
    wallMsPerTick: { median: round(median(wall)), max: round(Math.max(...wall)) },
    agentCpuMsPerTick: round(agentCpuMs / TICKS),
    // The engine's processes (daemon, containerd, shims or conmon) while the tick ran, in
    // jiffies of 10 ms: a rough figure, coarse at this size.
    engineCpuMsPerTick: round((engineCpuS * 1000) / TICKS),
  };
}

async function benchEngine(kind: EngineKind) {
  const engine = await startEngine(kind);
  try {
    await mapWithLimit(
      Array.from({ length: N }, (_, i) => i),
      4,
      (i) => runContainer(engine, { name: `bench-${i}`, cmd: ["sleep", "100000"] }),
    );
    const cgroup = await measure(engine, "cgroup");
    const api = await measure(engine, "api");
    return { cgroup, api };
  } finally {
    await engine.stop();
  }
}

const results = {
  date: new Date().toISOString(),
  containers: N,
  ticks: TICKS,
  machine: { cpus: cpus().length, kernel: release(), note: "cgroup v1/v2 hybrid; other work may share the CPUs" },
  docker: await benchEngine("docker"),
  podman: await benchEngine("podman"),
};
const out = join(ROOT, "test/bench/results/docker-metrics.json");
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
console.log(`written to ${out}`);
