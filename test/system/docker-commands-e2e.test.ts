// The Docker workflow end to end through the product: a build context uploaded to the real
// server, commands requested over tRPC, sent to the real bundled agent (docker driver) and run
// against a real dockerd: build, list, run with a published port, follow logs, stop, remove;
// and the engine's own words when it refuses.

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import type { CommandEventView } from "../../apps/web/src/server/commands/queries.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { startDockerAgent } from "../support/docker-agent.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";
import { fetchApp } from "./docker-commands-contract.js";
import { appContext } from "./docker-commands-harness.js";

type Detail = CommandView & { events: CommandEventView[] };
const FINAL = ["succeeded", "failed", "cancelled", "timed_out"];

let engine: ContainerEngine;
let db: SeededDatabase;
let server: Proc;
let agent: Proc;
let serverUrl: string;
let owner: TrpcSession;
let hostId: string;
let stateDir: string;

beforeAll(async () => {
  [engine, db] = await Promise.all([startEngine("docker"), startSeededDatabase()]);
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(serverUrl);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);

  ({ agent, hostId, stateDir } = await startDockerAgent(serverUrl, db, engine.socketPath));
});

afterAll(async () => {
  await agent?.stop();
  await server?.stop();
  db?.pool.on("error", () => {});
  await Promise.all([db?.stop(), engine?.stop()]);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function request(name: string, payload: Record<string, unknown>): Promise<string> {
  const res = await owner.mutate<CommandView>("commands.request", { hostId, command: { name, payload } });
  if (!res.data) throw new Error(`request failed: ${JSON.stringify(res.error)}`);
  return res.data.id;
}

async function get(id: string): Promise<Detail> {
  const res = await owner.query<Detail>("commands.get", { id });
  if (!res.data) throw new Error(`get failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

async function until(id: string, states: string[], timeoutMs = 60_000): Promise<Detail> {
  let last: Detail | undefined;
  await waitFor(
    async () => {
      last = await get(id);
      return states.includes(last.state);
    },
    timeoutMs,
    () => `${JSON.stringify(last)}\n${agent.output()}`,
  );
  return last as Detail;
}

/** Requests a command and waits for its end. */
async function runCommand(name: string, payload: Record<string, unknown>): Promise<Detail> {
  return until(await request(name, payload), FINAL);
}

const outputLines = (d: Detail) =>
  d.events.filter((e) => e.kind === "output").flatMap((e) => (e.data as { lines: string[] }).lines);

async function workloadRow(externalId: string) {
  return db.prisma.workload.findFirst({ where: { hostId, externalId } });
}

describe("the Docker workflow through the server and the bundled agent", () => {
  it("builds, lists, runs with a published port, follows logs, stops and removes", async () => {
    const tag = `flotilla-e2e/app-${randomBytes(3).toString("hex")}:v1`;
    const upload = await fetch(`${serverUrl}/api/blobs`, {
      method: "POST",
      headers: { cookie: owner.cookie ?? "", "content-type": "application/x-tar" },
      body: new Uint8Array(appContext(engine.image, "hello through flotilla")),
    });
    expect(upload.status).toBe(200);
    const context = (await upload.json()) as { blobId: string; sha256: string; size: number };

    const build = await runCommand("image.build", { tag, context });
    expect(build.state, JSON.stringify(build.error)).toBe("succeeded");
    expect(outputLines(build)).toContain(`Successfully tagged ${tag}`);

    const list = await runCommand("image.list", {});
    const images = (list.result as { images: Array<{ tags: string[] }> }).images;
    expect(images.flatMap((i) => i.tags)).toContain(tag);

    const port = await freePort();
    const name = `e2e-web-${randomBytes(3).toString("hex")}`;
    const created = await runCommand("container.create", {
      image: tag,
      name,
      ports: [{ hostPort: port, containerPort: 80 }],
    });
    expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
    expect(created.events.filter((e) => e.kind === "progress").map((e) => e.message)).toEqual(["creating", "starting"]);
    const workloadId = (created.result as { workloadId: string }).workloadId;
    expect(await fetchApp(port)).toBe("hello through flotilla\n");
    // The agent's inventory follows: the container is in the fleet model, running, with its port.
    await waitFor(
      async () => (await workloadRow(workloadId))?.state === "running",
      10_000,
      () => agent.output(),
    );
    expect((await workloadRow(workloadId))?.ports).toEqual([
      { hostIp: "127.0.0.1", hostPort: port, containerPort: 80, protocol: "tcp" },
    ]);

    // Followed logs arrive live: each request the app serves is a line (httpd -vv logs each URL to stderr).
    const logs = await request("container.logs", { workloadId, follow: true, tail: 0 });
    await until(logs, ["running"]);
    await fetch(`http://127.0.0.1:${port}/index.html?live=1`);
    await waitFor(async () => outputLines(await get(logs)).some((l) => l.includes("/index.html")), 10_000);
    expect((await get(logs)).state).toBe("running");
    expect((await owner.mutate("commands.cancel", { id: logs })).status).toBe(200);
    expect((await until(logs, FINAL)).state).toBe("cancelled");

    // The same port again: the engine refuses, and says why.
    const clash = await runCommand("container.create", { image: tag, ports: [{ hostPort: port, containerPort: 80 }] });
    expect(clash.state).toBe("failed");
    expect(clash.error?.message).toContain(`Bind for 127.0.0.1:${port} failed: port is already allocated`);

    const stop = await runCommand("container.stop", { workloadId, timeoutSeconds: 2 });
    expect(stop.state).toBe("succeeded");
    await waitFor(
      async () => (await workloadRow(workloadId))?.state === "exited",
      10_000,
      () => agent.output(),
    );
    const remove = await runCommand("container.remove", { workloadId });
    expect(remove.state).toBe("succeeded");
    await waitFor(
      async () => (await workloadRow(workloadId))?.removedAt != null,
      10_000,
      () => agent.output(),
    );
    await expect(engine.api.getContainer(workloadId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("fails with clear words for a missing image or container, and refuses a bad reference", async () => {
    const missing = await runCommand("container.create", { image: "flotilla-e2e/never-built:v1" });
    expect(missing).toMatchObject({
      state: "failed",
      error: {
        code: "not_found",
        message: "image flotilla-e2e/never-built:v1 not found on this host; pull or build it first",
      },
    });
    const gone = await runCommand("container.remove", { workloadId: "0".repeat(64) });
    expect(gone).toMatchObject({ state: "failed", error: { code: "not_found" } });
    expect(gone.error?.message).toMatch(/no such container/i);

    const bad = await owner.mutate("commands.request", {
      hostId,
      command: { name: "container.create", payload: { image: "Not A Reference" } },
    });
    expect(bad.status).toBe(400);
    expect(await db.prisma.command.count({ where: { hostId, name: "container.create", state: "pending" } })).toBe(0);
  });
});
