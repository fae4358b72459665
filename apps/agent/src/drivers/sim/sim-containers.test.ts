import type { CommandPayload } from "@flotilla/protocol";
import { containerCreatePayloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import type { CommandHandlerContext } from "../../commands/handler.js";
import { createSilentLogger } from "../../logger.js";
import type { InventoryDelta } from "../driver.js";
import { generateHostModel } from "./host-model.js";
import { SimDriver } from "./sim-driver.js";

function ctx(commandId: string): CommandHandlerContext {
  return {
    commandId,
    deadline: Date.now() + 10_000,
    signal: new AbortController().signal,
    log: createSilentLogger(),
    progress() {},
    output() {},
    fetchBlob: async () => Buffer.alloc(0),
  };
}

async function setup() {
  const driver = new SimDriver(generateHostModel(11), { churnEveryMs: 1000, churnProbability: 1 });
  const deltas: InventoryDelta[] = [];
  await driver.start({ inventoryChanged: (d) => deltas.push(d), event: () => {} });
  const handlers = driver.commandHandlers();
  const create = (id: string, input: Partial<CommandPayload<"container.create">>) =>
    handlers["container.create"]?.(containerCreatePayloadSchema.parse({ image: "nginx:1.27", ...input }), ctx(id));
  const remove = (id: string, workloadId: string, force = false) =>
    handlers["container.remove"]?.({ workloadId, force }, ctx(id));
  return { driver, deltas, create, remove };
}

describe("sim containers", () => {
  it("creates a running container that is inventoried and sampled, and removes it", async () => {
    const { driver, deltas, create, remove } = await setup();
    const result = await create("c1", {
      name: "web-0",
      cpus: 0.5,
      memoryBytes: 512 * 1024 ** 2,
      ports: [{ hostIp: "127.0.0.1", hostPort: 18080, containerPort: 80, protocol: "tcp" }],
      labels: { "flotilla.deployment": "d1" },
    });
    const id = result?.workloadId as string;
    const created = (await driver.inventory()).find((w) => w.id === id);
    expect(created).toMatchObject({
      name: "web-0",
      state: "running",
      vcpus: 0.5,
      labels: { "flotilla.deployment": "d1" },
    });
    expect(deltas.at(-1)?.changed.map((w) => w.id)).toEqual([id]);
    expect((await driver.sample(Date.now())).some((s) => s.target.kind === "container" && s.target.id === id)).toBe(
      true,
    );

    await expect(remove("c2", id)).rejects.toMatchObject({ code: "command_failed", message: /is running/ });
    await remove("c3", id, true);
    expect((await driver.inventory()).some((w) => w.id === id)).toBe(false);
    expect(deltas.at(-1)?.removed).toEqual([id]);
  });

  it("refuses a name or a host port that is taken, as Docker does", async () => {
    const { create } = await setup();
    await create("c1", { name: "db", ports: [{ hostPort: 15432, containerPort: 5432, protocol: "tcp" }] });
    await expect(create("c2", { name: "db" })).rejects.toMatchObject({ message: /name "\/db" is already in use/ });
    await expect(
      create("c3", { name: "db2", ports: [{ hostPort: 15432, containerPort: 5432, protocol: "tcp" }] }),
    ).rejects.toMatchObject({ message: "Bind for 0.0.0.0:15432 failed: port is already allocated" });
    const ephemeral = await create("c4", { name: "any", ports: [{ containerPort: 80, protocol: "tcp" }] });
    expect(ephemeral?.workloadId).toMatch(/^[0-9a-f]{64}$/);
  });

  it("never churns a container that a command created", async () => {
    const { driver, create } = await setup();
    const result = await create("c1", { name: "kept" });
    for (let i = 0; i < 200; i++) await driver.sample(Date.UTC(2026, 0, 1) + i * 1000);
    expect((await driver.inventory()).find((w) => w.id === result?.workloadId)?.state).toBe("running");
  });
});
