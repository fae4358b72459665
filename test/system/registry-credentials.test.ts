// Pulling from a private registry with a login stored in Flotilla: the real server (production
// mode, FLOTILLA_SECRET_KEY set), the bundled agent with the docker driver on a private dockerd,
// and Debian's docker-registry behind basic auth on 127.0.0.1. The pull request carries no
// auth; the server adds the stored login to the frame it sends, and to nothing else.

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { startDockerAgent } from "../support/docker-agent.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { REGISTRY_USER, type Registry, startRegistry } from "../support/registry.js";
import { waitFor } from "../support/wait-for.js";
import { pushImage } from "./docker-commands-pull.js";

const FINAL = ["succeeded", "failed", "cancelled", "timed_out"];

let engine: ContainerEngine;
let registry: Registry;
let db: SeededDatabase;
let server: Proc;
let agent: Proc;
let owner: TrpcSession;
let hostId: string;
let stateDir: string;

beforeAll(async () => {
  [engine, db, registry] = await Promise.all([
    startEngine("docker"),
    startSeededDatabase(),
    startRegistry({ auth: true }),
  ]);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  // startServer passes this process's environment on (and runs NODE_ENV=production, where the key is required).
  process.env.FLOTILLA_SECRET_KEY = randomBytes(32).toString("base64");
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(serverUrl);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);

  ({ agent, hostId, stateDir } = await startDockerAgent(serverUrl, db, engine.socketPath));
});

afterAll(async () => {
  delete process.env.FLOTILLA_SECRET_KEY;
  await agent?.stop();
  await server?.stop();
  db?.pool.on("error", () => {});
  await Promise.all([db?.stop(), engine?.stop(), registry?.stop()]);
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

async function pull(reference: string): Promise<CommandView> {
  const res = await owner.mutate<CommandView>("commands.request", {
    hostId,
    command: { name: "image.pull", payload: { reference } },
  });
  if (!res.data) throw new Error(`request failed: ${JSON.stringify(res.error)}`);
  const id = res.data.id;
  let last: CommandView | undefined;
  await waitFor(
    async () => {
      last = (await owner.query<CommandView>("commands.get", { id })).data;
      return last !== undefined && FINAL.includes(last.state);
    },
    60_000,
    () => `${JSON.stringify(last)}\n${agent.output()}\n${server.output()}`,
  );
  return last as CommandView;
}

describe("image.pull with a stored registry login", () => {
  it("fails without the login, then pulls with it; the password is stored nowhere in clear", async () => {
    const reference = `${registry.address}/flotilla-test/private-${randomBytes(3).toString("hex")}:v1`;
    await pushImage(engine.api, engine.image, reference, {
      username: REGISTRY_USER.username,
      password: REGISTRY_USER.password,
      serveraddress: registry.address,
    });
    await expect(engine.api.getImage(reference).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const refused = await pull(reference);
    expect(refused.state).toBe("failed");
    expect(refused.error?.message).toMatch(/unauthorized|authentication required|no basic auth credentials/i);

    const set = await owner.mutate("registries.set", { registry: registry.address, ...REGISTRY_USER });
    expect(set.status, JSON.stringify(set.error)).toBe(200);
    const listed = await owner.query("registries.list");
    expect(JSON.stringify(listed.data)).not.toContain(REGISTRY_USER.password);

    const pulled = await pull(reference);
    expect(pulled.state, JSON.stringify(pulled.error)).toBe("succeeded");
    expect(pulled.result).toMatchObject({ reference, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect((await engine.api.getImage(reference).inspect()).RepoTags).toContain(reference);

    // Neither the Command rows, their events, the audit log, the credential row nor the server's log hold the password.
    const rows = await db.prisma.command.findMany({ where: { id: { in: [refused.id, pulled.id] } } });
    expect(rows.map((r) => r.payload)).toEqual([{ reference }, { reference }]);
    const events = await db.prisma.commandEvent.findMany({ where: { commandId: { in: [refused.id, pulled.id] } } });
    expect(JSON.stringify(events.map((e) => [e.message, e.data]))).not.toContain(REGISTRY_USER.password);
    const audits = await db.prisma.auditEntry.findMany({ where: { orgId: db.demo.orgId } });
    expect(JSON.stringify(audits.map((a) => a.data))).not.toContain(REGISTRY_USER.password);
    const stored = await db.prisma.registryCredential.findFirstOrThrow({ where: { registry: registry.address } });
    expect(Buffer.from(stored.secretCipher).toString("utf8")).not.toContain(REGISTRY_USER.password);
    expect(server.output()).not.toContain(REGISTRY_USER.password);
    expect(agent.output()).not.toContain(REGISTRY_USER.password);
  });
});
