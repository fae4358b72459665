// Chaos on the agent's link: a real bundled agent (sim driver) reaches the server through a TCP
// relay the test controls. Mid-command the relay cuts every connection (the agent lives on and
// reconnects) or cuts it and refuses the agent for good. Either way the command ends in a clear
// state: followed to the end on the new link, or timed out when the agent never comes back.
// (An agent SIGKILLed mid-command ends `interrupted`: test/system/commands.test.ts.)
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHostModel } from "../../apps/agent/src/drivers/sim/host-model.js";
import { hashParts } from "../../apps/agent/src/drivers/sim/random.js";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

/** A TCP relay to the server whose connections the test can cut, and which can refuse new ones. */
class LinkCutter {
  private readonly sockets = new Set<Socket>();
  refusing = false;
  cuts = 0;
  private server: Server | null = null;

  constructor(private readonly targetPort: number) {}

  async listen(port: number): Promise<void> {
    this.server = createServer((client) => {
      if (this.refusing) return client.destroy();
      const upstream = tcpConnect(this.targetPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
  }

  /** Drops every relayed connection at once, without a close handshake (RST). */
  cut(): void {
    this.cuts += 1;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.refusing = true;
    this.cut();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let db: SeededDatabase;
let server: Proc;
let serverUrl: string;
let relay: LinkCutter;
let relayUrl: string;
let agent: Proc | null = null;
let session: TrpcSession;

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  relay = new LinkCutter(port);
  const relayPort = await freePort();
  await relay.listen(relayPort);
  relayUrl = `http://127.0.0.1:${relayPort}`;
  session = new TrpcSession(serverUrl);
  await session.mutate("auth.signIn", { email: db.email, password: db.password });
});

afterAll(async () => {
  await agent?.stop();
  await relay?.close();
  await server?.stop();
  await db?.stop();
});

/**
 * A fleet seed whose one sim host starts with at least two running containers (about 3 % of
 * seeds start with none, which would leave the test nothing to command).
 */
function seedWithRunningContainers(): number {
  for (let seed = Date.now() % 1e6; ; seed++) {
    const model = generateHostModel(hashParts(seed, 0));
    const running = model.workloads.filter((s) => s.workload.kind === "container" && s.workload.state === "running");
    if (running.length >= 2) return seed;
  }
}

/** One sim host behind the relay; returns its host id and a running container's id. */
async function startAgentBehindRelay(): Promise<{ hostId: string; containerId: string }> {
  const stateDir = newStateDir();
  const tokenFile = join(stateDir, "tokens.json");
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  writeFileSync(tokenFile, JSON.stringify([token]));
  const proc = startProcess(
    [
      AGENT_BIN,
      ...["sim", "--server", relayUrl, "--count", "1", "--state-dir", stateDir, "--token-file", tokenFile],
      ...[
        "--interval-ms",
        "1000",
        "--name-prefix",
        `cut${Date.now() % 10_000}`,
        "--seed",
        String(seedWithRunningContainers()),
      ],
    ],
    { FLOTILLA_LOG_LEVEL: "info" },
  );
  agent = proc;
  let hostId = "";
  let containerId = "";
  await waitFor(
    async () => {
      const creds = await readFile(join(stateDir, "host-001", "credentials.json"), "utf8").catch(() => null);
      if (!creds) return false;
      hostId = (JSON.parse(creds) as { hostId: string }).hostId;
      const w = await db.prisma.workload.findFirst({ where: { hostId, kind: "container", state: "running" } });
      containerId = w?.externalId ?? "";
      return containerId !== "";
    },
    60_000,
    () => proc.output(),
  );
  return { hostId, containerId };
}

async function request(hostId: string, containerId: string, deadlineMs: number): Promise<string> {
  const res = await session.mutate<CommandView>("commands.request", {
    hostId,
    command: { name: "container.logs", payload: { workloadId: containerId, follow: true } },
    deadlineMs,
  });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data?.id as string;
}

/** The host's agent was welcomed (again) after `since`. */
async function reconnectedSince(hostId: string, since: number): Promise<boolean> {
  const host = await db.prisma.host.findUnique({ where: { id: hostId } });
  return (host?.connectedAt?.getTime() ?? 0) > since;
}

const stateOf = async (id: string) => (await db.prisma.command.findUnique({ where: { id } }))?.state;

describe("cut an agent's link mid-command", () => {
  it("follows the command on the new link when the agent reconnects, and cancels it cleanly", async () => {
    const { hostId, containerId } = await startAgentBehindRelay();
    const id = await request(hostId, containerId, 120_000);
    await waitFor(
      async () => (await stateOf(id)) === "running",
      20_000,
      () => agent?.output() ?? "",
    );

    const cutAt = Date.now();
    relay.cut();
    // The agent comes back on a new connection; the command is still its to finish.
    await waitFor(
      () => reconnectedSince(hostId, cutAt),
      30_000,
      () => agent?.output() ?? "",
    );
    const outputBefore = await db.prisma.commandEvent.count({ where: { commandId: id } });
    await waitFor(
      async () => (await db.prisma.commandEvent.count({ where: { commandId: id } })) > outputBefore,
      20_000,
      () => agent?.output() ?? "",
    );
    expect(await stateOf(id)).toBe("running");

    const cancel = await session.mutate("commands.cancel", { id });
    expect(cancel.status, JSON.stringify(cancel.error)).toBe(200);
    await waitFor(
      async () => (await stateOf(id)) === "cancelled",
      20_000,
      () => agent?.output() ?? "",
    );
    // It ran once: the resend after the reconnect did not start it again.
    const runs = (agent?.output() ?? "").split("\n").filter((l) => l.includes(id) && l.includes("running command"));
    expect(runs).toHaveLength(1);
    await agent?.stop();
    agent = null;
  });

  it("times the command out with a clear error when the agent never gets back", async () => {
    const { hostId, containerId } = await startAgentBehindRelay();
    const id = await request(hostId, containerId, 4_000);
    await waitFor(
      async () => (await stateOf(id)) === "running",
      20_000,
      () => agent?.output() ?? "",
    );
    relay.refusing = true;
    relay.cut();
    const cutAt = Date.now();
    try {
      await waitFor(
        async () => (await stateOf(id)) === "timed_out",
        30_000,
        () => agent?.output() ?? "",
      );
      const row = await db.prisma.command.findUniqueOrThrow({ where: { id } });
      expect(row.finishedAt).not.toBeNull();
      expect(JSON.stringify(row.error)).toMatch(/deadline|time/i);
    } finally {
      relay.refusing = false;
    }
    // When the agent does get back, its late report does not reopen the command.
    await waitFor(
      () => reconnectedSince(hostId, cutAt),
      60_000,
      () => agent?.output() ?? "",
    );
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stateOf(id)).toBe("timed_out");
  });
});
