// A real agent reading /proc streams to the real server on a real PostgreSQL. The server is
// killed and restarted mid-stream: every tick's sample must still arrive, exactly once.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { enrollAgent, newStateDir, type Proc, runAgent, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const INTERVAL_MS = 1000;

let db: SeededDatabase;
let server: Proc;
let port: number;
let serverUrl: string;

beforeAll(async () => {
  db = await startSeededDatabase();
  port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
});

afterAll(async () => {
  await server?.stop();
  await db?.stop();
});

/**
 * The host rows one agent stored. Every agent in this file runs on this machine, so they all
 * report the same machine-id and share one host record: tell them apart by agent.
 */
async function agentSamples(agentId: string) {
  const { rows } = await db.pool.query<{ ts: Date; seq: string; mem_total: number; cpu_ratio: number }>(
    `SELECT ts, seq, mem_total_bytes AS mem_total, cpu_ratio FROM samples
      WHERE agent_id = $1 AND workload_id IS NULL ORDER BY ts`,
    [agentId],
  );
  return rows;
}

describe("agent -> gateway -> PostgreSQL", () => {
  it("stores every /proc sample once across a server restart", async () => {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const stateDir = newStateDir();
    const enrolled = await enrollAgent(serverUrl, token, stateDir);
    expect(enrolled.code, enrolled.output).toBe(0);
    const { hostId, agentId } = JSON.parse(readFileSync(`${stateDir}/credentials.json`, "utf8")) as {
      hostId: string;
      agentId: string;
    };

    const agent = runAgent(stateDir, INTERVAL_MS);
    try {
      await waitFor(
        async () => (await agentSamples(agentId)).length >= 4,
        30_000,
        () => agent.output(),
      );

      // Force a reconnect the hard way: the server dies while the agent keeps collecting.
      await server.stop("SIGKILL");
      await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
      const beforeRestart = (await agentSamples(agentId)).length;
      server = await startServer(db.url, port, { ui: false });

      // The ticks collected while the server was down arrive after the reconnect.
      await waitFor(
        async () => (await agentSamples(agentId)).length >= beforeRestart + 8,
        60_000,
        () => agent.output(),
      );
    } finally {
      await agent.stop();
    }
    // Let the final acks land; anything after this is a duplicate or a late resend.
    await new Promise((r) => setTimeout(r, 500));

    const rows = await agentSamples(agentId);
    const times = rows.map((r) => r.ts.getTime());
    expect(new Set(times).size, "no sample stored twice").toBe(times.length);
    const seqs = rows.map((r) => Number(r.seq));
    expect(new Set(seqs).size, "one host sample per batch").toBe(seqs.length);
    // The ticks of the outage are all there: losing them would leave a gap of the whole outage
    // (3 intervals and the restart). A tick that slips on a loaded machine stays well under it.
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      expect(gap, `gap between sample ${i - 1} and ${i}`).toBeLessThan(INTERVAL_MS * 2.5);
    }
    // Sequence numbers run without holes: no batch was lost across the restart.
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] ?? 0) + 1);

    // The figures are this machine's own.
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1]) * 1024;
    expect(rows[0]?.mem_total).toBe(memTotal);
    for (const r of rows) {
      expect(r.cpu_ratio).toBeGreaterThanOrEqual(0);
      expect(r.cpu_ratio).toBeLessThanOrEqual(1);
    }

    const host = await db.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.cpuCores).toBeGreaterThan(0);
  });

  it("keeps spooled batches across an agent crash and stores none twice", async () => {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const stateDir = newStateDir();
    expect((await enrollAgent(serverUrl, token, stateDir)).code).toBe(0);
    const { agentId } = JSON.parse(readFileSync(`${stateDir}/credentials.json`, "utf8")) as {
      agentId: string;
    };

    let agent = runAgent(stateDir, INTERVAL_MS);
    await waitFor(
      async () => (await agentSamples(agentId)).length >= 3,
      30_000,
      () => agent.output(),
    );

    // With the server down, batches pile up in the agent's on-disk spool; then the agent
    // itself dies without a chance to flush anything.
    await server.stop("SIGKILL");
    const downSince = Date.now();
    await new Promise((r) => setTimeout(r, 3.5 * INTERVAL_MS));
    await agent.stop("SIGKILL");
    const downUntil = Date.now();

    server = await startServer(db.url, port, { ui: false });
    agent = runAgent(stateDir, INTERVAL_MS);
    try {
      const storedBefore = (await agentSamples(agentId)).length;
      await waitFor(
        async () => (await agentSamples(agentId)).length >= storedBefore + 6,
        60_000,
        () => agent.output(),
      );
    } finally {
      await agent.stop();
    }
    await new Promise((r) => setTimeout(r, 500));

    const rows = await agentSamples(agentId);
    const times = rows.map((r) => r.ts.getTime());
    expect(new Set(times).size, "no sample stored twice").toBe(times.length);
    const seqs = rows.map((r) => Number(r.seq));
    for (let i = 1; i < seqs.length; i++)
      expect(seqs[i], "seq keeps counting after the crash").toBe((seqs[i - 1] ?? 0) + 1);
    const spooled = times.filter((t) => t > downSince && t < downUntil);
    expect(spooled.length, "ticks collected while the server was down survive the agent crash").toBeGreaterThanOrEqual(
      2,
    );
  });

  it("refuses an enrolment token that was used or has expired", async () => {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const first = await enrollAgent(serverUrl, token, newStateDir());
    expect(first.code, first.output).toBe(0);

    const again = await enrollAgent(serverUrl, token, newStateDir());
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/used|expired/i);

    const expired = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 1,
    });
    await new Promise((r) => setTimeout(r, 20));
    const late = await enrollAgent(serverUrl, expired.token, newStateDir());
    expect(late.code).not.toBe(0);
    expect(late.output).toMatch(/used|expired/i);

    const unknown = await enrollAgent(serverUrl, "x".repeat(43), newStateDir());
    expect(unknown.code).not.toBe(0);
  });
});
