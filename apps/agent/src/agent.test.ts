/** The Agent end to end against the in-test gateway, with a simulated host. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type CommandFrame, inventoryFrameSchema, type ServerFrameInput } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { Agent, type AgentOptions } from "./agent.js";
import { selectSimHost } from "./drivers/select-sim.js";
import { createSilentLogger } from "./logger.js";
import { type FakeAgent, FakeGateway } from "./testing/fake-gateway.js";
import { withTempDir } from "./testing/helpers.js";

interface Setup {
  dir: string;
  gateway: FakeGateway;
  startAgent: (fake: FakeAgent, extra?: Partial<AgentOptions>) => ReturnType<typeof launchAgent>;
}

/** A temp state dir and a gateway; agents started through it are stopped before the dir goes. */
function withSetup(fn: (setup: Setup) => Promise<void>): Promise<void> {
  return withTempDir(async (dir) => {
    const gateway = await FakeGateway.start();
    const agents: Agent[] = [];
    try {
      await fn({
        dir,
        gateway,
        startAgent: async (fake, extra) => {
          const started = await launchAgent(gateway, fake, dir, extra);
          agents.push(started.agent);
          return started;
        },
      });
    } finally {
      for (const agent of agents) await agent.stop();
      await gateway.close();
    }
  });
}

async function launchAgent(gateway: FakeGateway, fake: FakeAgent, dir: string, extra: Partial<AgentOptions> = {}) {
  const runtime = selectSimHost({ seed: 7, hostname: "sim-test", stateDir: dir, churnEveryMs: 0 });
  const agent = new Agent({
    stateDir: dir,
    credentials: { server: gateway.url, agentId: fake.agentId, hostId: fake.hostId, secret: fake.secret },
    intervalMs: 1000,
    spoolMaxBytes: 1 << 26,
    logger: createSilentLogger(),
    connection: { backoff: { baseMs: 10, capMs: 50 } },
    ...runtime,
    ...extra,
  });
  await agent.start();
  return { agent, runtime };
}

function command(id: string, cmd: CommandFrame["command"], deadline = Date.now() + 60_000): ServerFrameInput {
  return { type: "command", id, deadline, command: cmd };
}

describe("Agent", () => {
  it("sends hello, a full inventory, then aligned metrics batches", () =>
    withSetup(async ({ gateway, startAgent }) => {
      const fake = gateway.addAgent();
      const { runtime } = await startAgent(fake);
      await gateway.waitFor(() => fake.committed.length >= 3, 5000, "three batches");

      const types = gateway.frames.map((f) => f.frame.type);
      expect(types.slice(0, 3)).toEqual(["hello", "inventory", "metrics"]);
      const inventory = gateway.framesOf("inventory")[0]?.frame;
      expect(inventoryFrameSchema.safeParse(inventory).success).toBe(true);
      const workloads = await runtime.drivers[0]?.inventory();
      expect(inventory).toMatchObject({ full: true, host: { hostname: "sim-test", drivers: ["sim"], kvm: true } });
      expect(inventory?.workloads.map((w) => w.id)).toEqual(workloads?.map((w) => w.id));

      const batches = gateway.framesOf("metrics").map((f) => f.frame);
      expect(batches.map((b) => b.seq).slice(0, 3)).toEqual([1, 2, 3]);
      const running = workloads?.filter((w) => w.state === "running").length ?? 0;
      for (const batch of batches) {
        expect(batch.samples.length).toBe(1 + running);
        expect(batch.samples[0]?.target).toEqual({ kind: "host" });
        expect(new Set(batch.samples.map((s) => s.ts)).size).toBe(1);
        expect((batch.samples[0]?.ts ?? 1) % 1000).toBe(0);
      }
    }));

  it("runs commands once per id and re-sends a stored result, also after a restart", () =>
    withSetup(async ({ dir, gateway, startAgent }) => {
      const fake = gateway.addAgent();
      const first = await startAgent(fake);
      await gateway.waitFor(() => gateway.framesOf("inventory").length === 1, 5000, "inventory");
      const results = () => gateway.framesOf("command_result").map((f) => f.frame);

      gateway.send(fake.agentId, command("c-refresh", { name: "inventory.refresh", payload: {} }));
      await gateway.waitFor(() => results().length === 1, 5000, "refresh result");
      expect(results()[0]).toMatchObject({
        commandId: "c-refresh",
        ok: true,
        result: { workloads: expect.any(Number) },
      });
      expect(gateway.framesOf("inventory").filter((f) => f.frame.full).length).toBe(2);

      gateway.send(fake.agentId, command("c-refresh", { name: "inventory.refresh", payload: {} }));
      await gateway.waitFor(() => results().length === 2, 5000, "repeated result");
      expect(results()[1]).toEqual(results()[0]);
      expect(gateway.framesOf("inventory").filter((f) => f.frame.full).length).toBe(2);

      gateway.send(
        fake.agentId,
        command("c-interval", { name: "metrics.set_interval", payload: { intervalMs: 1000 } }),
      );
      await gateway.waitFor(() => results().length === 3, 5000, "interval result");
      expect(results()[2]).toMatchObject({ commandId: "c-interval", ok: true, result: { intervalMs: 1000 } });
      expect(first.agent.status().intervalMs).toBe(1000);
      expect(JSON.parse(await readFile(join(dir, "settings.json"), "utf8"))).toEqual({ intervalMs: 1000 });

      gateway.send(fake.agentId, command("c-late", { name: "inventory.refresh", payload: {} }, Date.now() - 1));
      await gateway.waitFor(() => results().length === 4, 5000, "late result");
      expect(results()[3]).toMatchObject({ ok: false, error: { code: "deadline_exceeded" } });

      gateway.send(fake.agentId, JSON.stringify(command("c-odd", { name: "host.reboot", payload: {} } as never)));
      await gateway.waitFor(() => results().length === 5, 5000, "unknown result");
      expect(results()[4]).toMatchObject({ commandId: "c-odd", ok: false, error: { code: "unknown_command" } });

      gateway.send(
        fake.agentId,
        JSON.stringify(command("c-bad", { name: "metrics.set_interval", payload: { intervalMs: 10 } })),
      );
      await gateway.waitFor(() => results().length === 6, 5000, "invalid result");
      expect(results()[5]).toMatchObject({ commandId: "c-bad", ok: false, error: { code: "invalid_command" } });

      const lastSeq = first.agent.status().lastSeq;
      await first.agent.stop();
      const second = await startAgent(fake);
      expect(second.agent.status().intervalMs).toBe(1000);
      await gateway.waitFor(() => gateway.framesOf("hello").length === 2, 5000, "second hello");
      expect(gateway.framesOf("hello")[1]?.frame.intervalMs).toBe(1000);
      gateway.send(fake.agentId, command("c-refresh", { name: "inventory.refresh", payload: {} }));
      await gateway.waitFor(() => results().length === 7, 5000, "result after restart");
      expect(results()[6]).toEqual(results()[0]);
      expect(gateway.framesOf("inventory").filter((f) => f.frame.full).length).toBe(3); // only the one after welcome

      await gateway.waitFor(() => second.agent.status().lastSeq > lastSeq, 5000, "a new batch");
      const seqs = gateway.framesOf("metrics").map((f) => f.frame.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    }));

  it("stops and starts simulated workloads, sending deltas and events", () =>
    withSetup(async ({ gateway, startAgent }) => {
      const fake = gateway.addAgent();
      const { runtime } = await startAgent(fake);
      await gateway.waitFor(() => gateway.framesOf("inventory").length === 1, 5000, "inventory");
      const target = (await runtime.drivers[0]?.inventory())?.find((w) => w.state === "running");
      if (!target) throw new Error("the sim host has no running workload");

      gateway.send(
        fake.agentId,
        command("c-stop", { name: "workload.stop", payload: { workloadId: target.id, force: false } }),
      );
      await gateway.waitFor(() => gateway.framesOf("command_result").length === 1, 5000, "stop result");
      expect(gateway.framesOf("command_result")[0]?.frame).toMatchObject({ ok: true });
      expect(gateway.framesOf("command_progress")[0]?.frame.commandId).toBe("c-stop");
      const delta = gateway.framesOf("inventory").find((f) => !f.frame.full)?.frame;
      expect(delta?.workloads).toEqual([
        expect.objectContaining({ id: target.id, state: expect.stringMatching(/exited|stopped/) }),
      ]);
      await gateway.waitFor(() => gateway.framesOf("event").length === 1, 5000, "event");
      expect(gateway.framesOf("event")[0]?.frame).toMatchObject({ workloadId: target.id });

      gateway.send(fake.agentId, command("c-missing", { name: "workload.start", payload: { workloadId: "nope" } }));
      await gateway.waitFor(() => gateway.framesOf("command_result").length === 2, 5000, "missing result");
      expect(gateway.framesOf("command_result")[1]?.frame).toMatchObject({ ok: false, error: { code: "not_found" } });
    }));

  it("follows a simulated container's logs until the server cancels, and announces what it runs", () =>
    withSetup(async ({ gateway, startAgent }) => {
      const fake = gateway.addAgent();
      const { runtime } = await startAgent(fake);
      await gateway.waitFor(() => gateway.framesOf("inventory").length === 1, 5000, "inventory");
      expect(gateway.framesOf("hello")[0]?.frame.capabilities).toEqual(
        expect.arrayContaining(["container.logs", "inventory.refresh", "workload.stop"]),
      );
      const container = (await runtime.drivers[0]?.inventory())?.find(
        (w) => w.kind === "container" && w.state === "running",
      );
      if (!container) throw new Error("the sim host has no running container");

      const payload = { workloadId: container.id, follow: true, tail: 3, timestamps: true };
      gateway.send(fake.agentId, command("c-logs", { name: "container.logs", payload }));
      const chunks = () =>
        gateway
          .framesOf("command_progress")
          .flatMap((f) => (f.frame.data as { lines?: string[] } | undefined)?.lines ?? []);
      await gateway.waitFor(() => chunks().length >= 4, 5000, "history and a followed line");
      expect(chunks()[0]).toMatch(/^\d{4}-\d\d-\d\dT.*Z .*"GET /);
      gateway.send(fake.agentId, { type: "cancel", commandId: "c-logs" });
      await gateway.waitFor(() => gateway.framesOf("command_result").length === 1, 5000, "result");
      expect(gateway.framesOf("command_result")[0]?.frame).toMatchObject({
        commandId: "c-logs",
        ok: false,
        error: { code: "cancelled" },
        result: { lines: expect.any(Number) },
      });
    }));

  it("reports a spool overflow to the server as a spool.gap event", () =>
    withSetup(async ({ gateway, startAgent }) => {
      gateway.shouldAck = () => false;
      const fake = gateway.addAgent();
      await startAgent(fake, { spoolMaxBytes: 3000 });
      await gateway.waitFor(() => gateway.framesOf("event").length > 0, 10_000, "gap event");
      const event = gateway.framesOf("event")[0]?.frame;
      expect(event).toMatchObject({ kind: "spool.gap", data: { fromSeq: 1, reason: "overflow" } });
    }));
});
