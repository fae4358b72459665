// What the docker driver must do against a real engine, shared by the Docker and the Podman
// test files: each runs these tests against a private engine of its own.
import { connect } from "node:net";
import { type Sample, type Workload, workloadSchema } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MetricsSource } from "../../apps/agent/src/drivers/docker/container-metrics.js";
import { DockerDriver } from "../../apps/agent/src/drivers/docker/index.js";
import { normaliseState } from "../../apps/agent/src/drivers/docker/workload-mapping.js";
import type { DriverEvent, InventoryDelta } from "../../apps/agent/src/drivers/driver.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { type ContainerEngine, type EngineKind, runContainer, startEngine } from "../support/container-engines.js";
import { waitFor } from "../support/wait-for.js";

/** The agent's collection interval in these tests: changes must be seen within one. */
export const INTERVAL_MS = 2000;

/** A driver started against the engine, recording every delta and event it reports. */
export async function startRecordingDriver(engine: ContainerEngine, metricsSource: MetricsSource = "auto") {
  const deltas: InventoryDelta[] = [];
  const events: DriverEvent[] = [];
  const driver = new DockerDriver({ socketPath: engine.socketPath, logger: createSilentLogger(), metricsSource });
  await driver.start({ inventoryChanged: (d) => deltas.push(d), event: (e) => events.push(e) });
  const latest = (id: string): Workload | undefined => deltas.flatMap((d) => d.changed).findLast((w) => w.id === id);
  return { driver, deltas, events, latest };
}

/** Samples every `INTERVAL_MS / 2` until one for `id` satisfies `accept`. */
async function sampleUntil(driver: DockerDriver, id: string, accept: (s: Sample) => boolean): Promise<Sample> {
  let found: Sample | undefined;
  let last: Sample | undefined;
  await waitFor(
    async () => {
      await new Promise((r) => setTimeout(r, INTERVAL_MS / 2));
      last = (await driver.sample(Date.now())).find((s) => s.target.kind === "container" && s.target.id === id);
      if (last && accept(last)) found = last;
      return found !== undefined;
    },
    30_000,
    () => `last sample: ${JSON.stringify(last)}`,
  );
  return found as Sample;
}

/** Sends `bytes` to 127.0.0.1:port and waits until they are written. */
function sendBytes(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(Buffer.alloc(bytes), () => resolve()));
    socket.on("error", reject);
  });
}

export function describeDockerDriver(kind: EngineKind): void {
  describe(`docker driver against ${kind}`, () => {
    let engine: ContainerEngine;

    beforeAll(async () => {
      engine = await startEngine(kind);
    });
    afterAll(async () => {
      await engine?.stop();
    });

    it("lists containers with their ports, labels, limits, image and times", async () => {
      const labels = { "flotilla.test": "inventory", team: "blue" };
      const web = await runContainer(engine, {
        cmd: ["sleep", "600"],
        labels,
        publish: [80],
        cpus: 1.5,
        memoryBytes: 64 * 1024 * 1024,
      });
      const idle = await runContainer(engine, { cmd: ["true"], start: false });
      const { driver } = await startRecordingDriver(engine);
      try {
        const inventory = await driver.inventory();
        for (const w of inventory) expect(workloadSchema.parse(w)).toEqual(w);
        const w = inventory.find((x) => x.id === web);
        expect(w).toMatchObject({
          kind: "container",
          driver: "docker",
          state: "running",
          vcpus: 1.5,
          memoryBytes: 64 * 1024 * 1024,
          labels,
        });
        expect(w?.image).toMatch(/flotilla-test\/busybox/);
        expect(w?.ports).toEqual([
          { hostIp: "127.0.0.1", hostPort: expect.any(Number), containerPort: 80, protocol: "tcp" },
        ]);
        expect(w?.ports[0]?.hostPort).toBeGreaterThan(0);
        expect(w?.startedAt).toBeGreaterThanOrEqual(w?.createdAt ?? Number.POSITIVE_INFINITY);
        expect(Date.now() - (w?.createdAt ?? 0)).toBeLessThan(120_000);
        expect(inventory.find((x) => x.id === idle)).toMatchObject({ state: "created", ports: [], labels: {} });
      } finally {
        await driver.stop();
      }
    });

    it("sees a container started and stopped outside Flotilla within one interval", async () => {
      const { driver, events, latest } = await startRecordingDriver(engine);
      const eventsOf = (id: string) => events.filter((e) => e.workloadId === id).map((e) => e.kind);
      try {
        const id = await runContainer(engine, { cmd: ["sleep", "600"], labels: { outside: "yes" } });
        await waitFor(
          () => latest(id)?.state === "running",
          INTERVAL_MS,
          () => JSON.stringify(events),
        );
        expect(latest(id)?.labels).toEqual({ outside: "yes" });
        await waitFor(() => eventsOf(id).includes("workload.started"), INTERVAL_MS);
        expect(eventsOf(id)).toEqual(["workload.created", "workload.started"]);

        await engine.api.getContainer(id).stop({ t: 5 });
        await waitFor(
          () => latest(id)?.state === "exited",
          INTERVAL_MS,
          () => JSON.stringify(events),
        );
        await waitFor(
          () => eventsOf(id).length === 3,
          INTERVAL_MS,
          () => JSON.stringify(events),
        );
        const finish = events.findLast((e) => e.workloadId === id);
        // Docker reports the stop request (a kill event); Podman 4 does not, so it reads as an exit.
        expect(finish?.kind).toBe(kind === "docker" ? "workload.stopped" : "workload.exited");
        expect(finish?.data).toEqual({ exitCode: expect.any(Number) });

        await engine.api.getContainer(id).remove();
        await waitFor(() => eventsOf(id).includes("workload.removed"), INTERVAL_MS);
        expect((await driver.inventory()).some((w) => w.id === id)).toBe(false);
      } finally {
        await driver.stop();
      }
    });

    it("starts and stops containers for Flotilla's commands", async () => {
      const id = await runContainer(engine, { cmd: ["sleep", "600"], start: false });
      const { driver, events, latest } = await startRecordingDriver(engine);
      const last = () => events.findLast((e) => e.workloadId === id);
      try {
        await driver.startWorkload(id);
        await waitFor(() => latest(id)?.state === "running" && last()?.kind === "workload.started", INTERVAL_MS);
        await driver.startWorkload(id); // already running: nothing to do, no error
        await driver.stopWorkload(id, false);
        await waitFor(() => latest(id)?.state === "exited" && last()?.kind === "workload.stopped", INTERVAL_MS);
        await driver.startWorkload(id);
        await driver.stopWorkload(id, true);
        const stops = () => events.filter((e) => e.workloadId === id && e.kind === "workload.stopped");
        await waitFor(
          () => stops().length === 2,
          INTERVAL_MS,
          () => JSON.stringify(events),
        );
        expect(stops().map((e) => e.data)).toEqual([{ exitCode: 143 }, { exitCode: 137 }]);
        await expect(driver.startWorkload("no-such-container")).rejects.toThrow();
      } finally {
        await driver.stop();
      }
    });

    it("follows the engine through a restart of its daemon", async () => {
      const before = await runContainer(engine, { cmd: ["sleep", "600"] });
      const { driver, events, latest } = await startRecordingDriver(engine);
      const kindsOf = (id: string) => events.filter((e) => e.workloadId === id).map((e) => e.kind);
      try {
        await engine.restartDaemon();
        // Docker stops its containers when it shuts down; Podman's run on under conmon.
        const actual = normaliseState((await engine.api.getContainer(before).inspect()).State);
        expect(actual).toBe(kind === "docker" ? "exited" : "running");
        // The stream reconnects (with backoff) and a resync reports what happened meanwhile.
        await waitFor(
          () => latest(before)?.state === actual,
          15_000,
          () => JSON.stringify(events),
        );
        if (kind === "docker") expect(kindsOf(before).at(-1)).toMatch(/^workload\.(stopped|exited)$/);

        const after = await runContainer(engine, { cmd: ["sleep", "600"] });
        await waitFor(
          () => kindsOf(after).includes("workload.started"),
          15_000,
          () => JSON.stringify(events),
        );
        await engine.api.getContainer(after).stop({ t: 5 });
        await waitFor(
          () => latest(after)?.state === "exited",
          INTERVAL_MS,
          () => JSON.stringify(events),
        );
      } finally {
        await driver.stop();
      }
    });

    for (const source of ["cgroup", "api"] as const) {
      it(`measures a busy container's CPU, memory and traffic (${source})`, async () => {
        const busy = await runContainer(engine, { cmd: ["sh", "-c", "while :; do :; done"], memoryBytes: 256 << 20 });
        // A sink that keeps accepting connections, to count the bytes we send it.
        const sink = await runContainer(engine, {
          cmd: ["sh", "-c", "while :; do nc -l -p 80 > /dev/null; done"],
          publish: [80],
        });
        const { driver } = await startRecordingDriver(engine, source);
        try {
          const s = await sampleUntil(driver, busy, (x) => x.cpuCores > 0.5);
          expect(driver.metricsSourceOf(busy)).toBe(source);
          expect(s.memUsedBytes).toBeGreaterThan(0);
          expect(s.memTotalBytes).toBe(256 << 20);

          const port = (await driver.inventory()).find((w) => w.id === sink)?.ports[0]?.hostPort ?? 0;
          await sendBytes(port, 4 << 20);
          const n = await sampleUntil(driver, sink, (x) => x.netRxBps > 0);
          // Received, not sent: the directions are the container's own.
          expect(n.netRxBps).toBeGreaterThan(10 * n.netTxBps);
          expect(n.netRxBps * (INTERVAL_MS / 2 / 1000)).toBeGreaterThan(1 << 20);
        } finally {
          await driver.stop();
          // A busy loop left running would halve the next test's CPU on two cores.
          await Promise.all([busy, sink].map((id) => engine.api.getContainer(id).remove({ force: true })));
        }
      });
    }
  });
}
