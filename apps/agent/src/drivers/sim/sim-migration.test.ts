import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CommandName,
  type CommandPayload,
  commandSchema,
  containerInspectResultSchema,
  vmMigrateOutResultSchema,
  vmMigrationProgressSchema,
  vmMigrationTargetSchema,
} from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import type { CommandHandlerContext } from "../../commands/handler.js";
import { createLogger } from "../../logger.js";
import type { InventoryDelta } from "../driver.js";
import { generateHostModel } from "./host-model.js";
import { SimDriver } from "./sim-driver.js";
import { loadSimHostModel } from "./sim-state.js";

/** A host with its driver and what it told the agent. */
function simHost(seed: number, stateDir?: string) {
  const model = loadSimHostModel(seed, stateDir);
  const driver = new SimDriver(model, { churnEveryMs: 0, ...(stateDir ? { stateDir } : {}) });
  const deltas: InventoryDelta[] = [];
  void driver.start({ inventoryChanged: (d) => deltas.push(d), event: () => {} });
  const handlers = driver.commandHandlers();
  const progress: Array<{ progress?: number; data?: Record<string, unknown> }> = [];
  let n = 0;
  async function run<N extends CommandName>(name: N, payload: unknown, signal = new AbortController().signal) {
    // Through the protocol's own schema, as the agent's command runner does.
    const command = commandSchema.parse({ name, payload }) as unknown as { payload: CommandPayload<N> };
    const ctx: CommandHandlerContext = {
      commandId: `cmd-${seed}-${++n}`,
      deadline: Date.now() + 60_000,
      signal,
      log: createLogger("silent"),
      progress: (p, _message, data) => progress.push({ progress: p, data }),
      output: () => {},
      fetchBlob: async () => Buffer.alloc(0),
    };
    const handler = handlers[name] as
      | ((p: CommandPayload<N>, c: CommandHandlerContext) => Promise<unknown>)
      | undefined;
    if (!handler) throw new Error(`no handler for ${name}`);
    return handler(command.payload, ctx) as Promise<Record<string, unknown>>;
  }
  return { model, driver, deltas, progress, run };
}

describe("sim migration", () => {
  it("moves a running VM live from one sim host to another, keeping its identity and usage", async () => {
    const source = simHost(101);
    const target = simHost(202);
    const vm = source.model.workloads.find((w) => w.workload.kind === "vm" && w.workload.state === "running");
    if (!vm) throw new Error("seed 101 has no running VM");
    const before = { ...vm.profile };
    const definition = await source.run("vm.migration.source", { workloadId: vm.workload.id });
    const prepared = await target.run("vm.migration.prepare_incoming", {
      source: definition,
      listenHost: "127.0.0.1",
      storage: "shared",
    });
    const targetRef = vmMigrationTargetSchema.parse(prepared);
    const arrival = target.run("vm.migration.await_incoming", { workloadId: vm.workload.id });
    const result = vmMigrateOutResultSchema.parse(
      await source.run("vm.migration.migrate_out", { workloadId: vm.workload.id, target: targetRef }),
    );
    expect(result.transferredBytes).toBe(vm.workload.memoryBytes);
    expect(await arrival).toMatchObject({ arrivedAt: expect.any(Number) });

    expect((await source.driver.inventory()).some((w) => w.id === vm.workload.id)).toBe(false);
    const moved = (await target.driver.inventory()).find((w) => w.id === vm.workload.id);
    expect(moved).toMatchObject({ name: vm.workload.name, kind: "vm", state: "running" });
    expect(target.model.workloads.find((w) => w.workload.id === vm.workload.id)?.profile).toEqual(before);
    expect(source.deltas.at(-1)?.removed).toEqual([vm.workload.id]);
    expect(target.deltas.at(-1)?.changed.map((w) => w.id)).toEqual([vm.workload.id]);
    // Progress as QEMU's: rising fractions with the structured detail the server relays.
    const fractions = source.progress.map((p) => p.progress ?? 0);
    expect(fractions.length).toBeGreaterThan(2);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    for (const p of source.progress) expect(vmMigrationProgressSchema.safeParse(p.data).success).toBe(true);
  });

  it("keeps the VM on the source when the target aborts, and refuses a target in no sim host", async () => {
    const source = simHost(101);
    const target = simHost(203);
    const vm = source.model.workloads.find((w) => w.workload.kind === "vm" && w.workload.state === "running");
    if (!vm) throw new Error("seed 101 has no running VM");
    const definition = await source.run("vm.migration.source", { workloadId: vm.workload.id });
    const prepared = vmMigrationTargetSchema.parse(
      await target.run("vm.migration.prepare_incoming", {
        source: definition,
        listenHost: "10.0.0.9",
        storage: "shared",
      }),
    );
    const out = source.run("vm.migration.migrate_out", { workloadId: vm.workload.id, target: prepared });
    await target.run("vm.migration.abort_incoming", { workloadId: vm.workload.id, reason: "operator said so" });
    await expect(out).rejects.toThrow(/operator said so/);
    expect(source.model.workloads).toContain(vm);
    expect(target.model.workloads).not.toContain(vm);

    const nowhere = { ...prepared, uuid: "00000000-0000-4000-8000-000000000000" };
    await expect(
      source.run("vm.migration.migrate_out", { workloadId: vm.workload.id, target: nowhere }),
    ).rejects.toThrow(/no simulated host of this agent process awaits/);
  });

  it("cancels a running transfer and the VM stays on the source", async () => {
    const source = simHost(101);
    const target = simHost(204);
    const vm = source.model.workloads.find((w) => w.workload.kind === "vm" && w.workload.state === "running");
    if (!vm) throw new Error("seed 101 has no running VM");
    const definition = await source.run("vm.migration.source", { workloadId: vm.workload.id });
    const prepared = vmMigrationTargetSchema.parse(
      await target.run("vm.migration.prepare_incoming", {
        source: definition,
        listenHost: "127.0.0.1",
        storage: "shared",
      }),
    );
    const abort = new AbortController();
    const out = source.run("vm.migration.migrate_out", { workloadId: vm.workload.id, target: prepared }, abort.signal);
    setTimeout(() => abort.abort("cancel"), 100);
    await expect(out).rejects.toThrow(/cancelled/);
    expect(source.model.workloads).toContain(vm);
  });

  it("moves a container cold through inspect, stop, create, start and remove, keeping its usage", async () => {
    const source = simHost(301);
    const target = simHost(302);
    const c = source.model.workloads.find((w) => w.workload.kind === "container" && w.workload.state === "running");
    if (!c) throw new Error("seed 301 has no running container");
    const inspection = containerInspectResultSchema.parse(
      await source.run("container.inspect", { workloadId: c.workload.id }),
    );
    expect(inspection.mounts).toEqual([]);
    await source.run("container.stop", { workloadId: c.workload.id });
    expect(c.workload.state).toBe("exited");
    const created = await target.run("container.create", { ...inspection.config, start: false });
    const newId = String(created.workloadId);
    await target.run("container.start", { workloadId: newId });
    await source.run("container.remove", { workloadId: c.workload.id });

    expect(source.model.workloads).not.toContain(c);
    const arrived = target.model.workloads.find((w) => w.workload.id === newId);
    expect(arrived?.workload).toMatchObject({ kind: "container", state: "running", image: c.workload.image });
    expect(arrived?.workload.name.startsWith(c.workload.name)).toBe(true);
    expect(arrived?.profile).toEqual(c.profile);

    // Two more containers of that name arriving on one host (generated names repeat across sim hosts).
    source.model.workloads.push(c);
    const names = new Set(target.model.workloads.map((w) => w.workload.name));
    for (const n of [1, 2]) {
      await source.run("container.inspect", { workloadId: c.workload.id });
      const again = await target.run("container.create", { ...inspection.config, start: false });
      const name = target.model.workloads.find((w) => w.workload.id === again.workloadId)?.workload.name ?? "";
      expect(names.has(name), `arrival ${n} got a fresh name`).toBe(false);
      names.add(name);
    }
  });

  it("keeps moved workloads where they went when the sim hosts restart", async () => {
    const dirs = [mkdtempSync(join(tmpdir(), "sim-a-")), mkdtempSync(join(tmpdir(), "sim-b-"))];
    const source = simHost(101, dirs[0]);
    const target = simHost(205, dirs[1]);
    const vm = source.model.workloads.find((w) => w.workload.kind === "vm" && w.workload.state === "running");
    const c = source.model.workloads.find((w) => w.workload.kind === "container" && w.workload.state === "running");
    if (!vm || !c) throw new Error("seed 101 lacks a running VM or container");
    const definition = await source.run("vm.migration.source", { workloadId: vm.workload.id });
    const prepared = vmMigrationTargetSchema.parse(
      await target.run("vm.migration.prepare_incoming", {
        source: definition,
        listenHost: "127.0.0.1",
        storage: "shared",
      }),
    );
    await source.run("vm.migration.migrate_out", { workloadId: vm.workload.id, target: prepared });
    const inspection = containerInspectResultSchema.parse(
      await source.run("container.inspect", { workloadId: c.workload.id }),
    );
    await source.run("container.stop", { workloadId: c.workload.id });
    const created = await target.run("container.create", { ...inspection.config, start: false });
    await target.run("container.start", { workloadId: String(created.workloadId) });
    await source.run("container.remove", { workloadId: c.workload.id });

    // Restarted: generated from the same seeds, but with what the moves left.
    const sourceAgain = loadSimHostModel(101, dirs[0]).workloads.map((w) => w.workload.id);
    const targetAgain = loadSimHostModel(205, dirs[1]).workloads.map((w) => w.workload.id);
    expect(sourceAgain).not.toContain(vm.workload.id);
    expect(sourceAgain).not.toContain(c.workload.id);
    expect(targetAgain).toEqual(expect.arrayContaining([vm.workload.id, String(created.workloadId)]));
    // A host that never migrated is still its seed's.
    expect(loadSimHostModel(101, mkdtempSync(join(tmpdir(), "sim-c-")))).toEqual(generateHostModel(101));
  });
});
