// Chaos during ingest: real bundled agents (sim driver, 1 s interval) stream to the real server
// while it is SIGKILLed and restarted several times at seeded random moments. Afterwards every
// batch each agent handed out is stored exactly once: counted per (agent, boot, seq), no holes,
// no duplicates, and the sample rows of each batch match its recorded count.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { readAgentSeq } from "../bench/lib/agent-samples.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const HOSTS = 4;
const KILLS = 3;
const SEED = Number(process.env.CHAOS_SEED ?? 9);

let db: SeededDatabase;
let server: Proc;
let port: number;
let fleet: Proc | null = null;

beforeAll(async () => {
  db = await startSeededDatabase();
  port = await freePort();
  server = await startServer(db.url, port, { ui: false });
});

afterAll(async () => {
  await fleet?.stop();
  await server?.stop();
  await db?.stop();
});

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function agentIdsOf(hostNames: string): Promise<string[]> {
  const rows = await db.prisma.agent.findMany({
    where: { host: { name: { startsWith: hostNames } } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** Per (agent, boot): batches, the seq range, and how the stored rows line up with it. */
async function ledger(agentIds: string[]) {
  const { rows } = await db.pool.query<{
    agent_id: string;
    boot_id: string;
    batches: number;
    min_seq: string;
    max_seq: string;
    declared: string;
  }>(
    `SELECT agent_id, boot_id, count(*)::int AS batches, min(seq)::text AS min_seq, max(seq)::text AS max_seq,
            sum(sample_count)::text AS declared
       FROM metric_batches WHERE agent_id = ANY($1::text[]) GROUP BY agent_id, boot_id ORDER BY agent_id, min(seq)`,
    [agentIds],
  );
  return rows;
}

describe("SIGKILL the server during ingest", () => {
  it("loses no sample and stores none twice, counted per (agent, boot, seq)", async () => {
    const rand = prng(SEED);
    const tokens: string[] = [];
    for (let i = 0; i < HOSTS; i++) {
      const { token } = await createEnrollmentToken(db.prisma, {
        orgId: db.demo.orgId,
        teamId: db.demo.teamId,
        ttlMs: 120_000,
      });
      tokens.push(token);
    }
    const stateDir = newStateDir();
    const tokenFile = join(stateDir, "tokens.json");
    writeFileSync(tokenFile, JSON.stringify(tokens));
    fleet = startProcess(
      [
        AGENT_BIN,
        ...["sim", "--server", `http://127.0.0.1:${port}`, "--count", String(HOSTS), "--state-dir", stateDir],
        ...["--token-file", tokenFile, "--interval-ms", "1000", "--name-prefix", "chaos", "--seed", String(SEED)],
      ],
      { FLOTILLA_LOG_LEVEL: "warn" },
    );
    const proc = fleet;
    let agentIds: string[] = [];
    await waitFor(
      async () => {
        agentIds = await agentIdsOf("chaos");
        return agentIds.length === HOSTS;
      },
      60_000,
      () => proc.output(),
    );
    const hostDirs = Array.from({ length: HOSTS }, (_, i) => join(stateDir, `host-${String(i + 1).padStart(3, "0")}`));

    for (let k = 0; k < KILLS; k++) {
      // Mid-stream at a random moment: batches are in flight, half-written or unacknowledged.
      await sleep(2_000 + Math.floor(rand() * 3_000));
      await server.stop("SIGKILL");
      await sleep(500 + Math.floor(rand() * 2_500));
      server = await startServer(db.url, port, { ui: false });
    }

    // Let every agent catch up: what it handed out is what is stored.
    await waitFor(
      async () => {
        const { rows } = await db.pool.query<{ agent_id: string; seq: string }>(
          "SELECT agent_id, max(seq)::text AS seq FROM metric_batches WHERE agent_id = ANY($1::text[]) GROUP BY agent_id",
          [agentIds],
        );
        const stored = rows.reduce((s, r) => s + Number(r.seq), 0);
        const handedOut = hostDirs.reduce((s, d) => s + readAgentSeq(d), 0);
        return stored > 0 && stored >= handedOut - HOSTS; // the batch being collected right now may be unsent
      },
      60_000,
      () => proc.output(),
    );
    await fleet.stop("SIGTERM");
    fleet = null;
    // The agents may have sent their last batch just before stopping: give the server its moment.
    await sleep(1_000);

    const handedOut = new Map<string, number>();
    for (const dir of hostDirs) {
      const { agentId } = JSON.parse(
        await import("node:fs/promises").then((fs) => fs.readFile(join(dir, "credentials.json"), "utf8")),
      ) as { agentId: string };
      handedOut.set(agentId, readAgentSeq(dir));
    }

    for (const agentId of agentIds) {
      const { rows: seqs } = await db.pool.query<{ seq: string }>(
        "SELECT b.seq::text AS seq FROM metric_batches b WHERE b.agent_id = $1 ORDER BY b.seq",
        [agentId],
      );
      const list = seqs.map((r) => Number(r.seq));
      // No holes: every seq from 1 to the last one stored.
      expect(list[0], `first seq of ${agentId}`).toBe(1);
      for (let i = 1; i < list.length; i++) expect(list[i], `seq after ${list[i - 1]}`).toBe((list[i - 1] ?? 0) + 1);
      // Nothing the agent handed out is missing, apart from a batch it had not sent when it stopped.
      const last = list.at(-1) ?? 0;
      expect(last).toBeGreaterThanOrEqual((handedOut.get(agentId) ?? 0) - 1);
      expect(last).toBeLessThanOrEqual(handedOut.get(agentId) ?? 0);
    }

    // No duplicates: each (agent, seq, target, ts) once, and each batch's rows match its declared count.
    const { rows: dupes } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT agent_id, seq, kind, workload_id, ts FROM samples WHERE agent_id = ANY($1::text[])
          GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d`,
      [agentIds],
    );
    expect(dupes[0]?.n).toBe(0);
    const { rows: mismatched } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM metric_batches b
         LEFT JOIN LATERAL (SELECT count(*) AS rows FROM samples s WHERE s.agent_id = b.agent_id AND s.seq = b.seq) s ON true
        WHERE b.agent_id = ANY($1::text[]) AND s.rows <> b.sample_count`,
      [agentIds],
    );
    expect(mismatched[0]?.n).toBe(0);

    const perBoot = await ledger(agentIds);
    // One boot per agent (the agents never restarted) and the batches of a boot are its whole range.
    expect(perBoot).toHaveLength(HOSTS);
    for (const b of perBoot) expect(b.batches).toBe(Number(b.max_seq) - Number(b.min_seq) + 1);
    console.log(JSON.stringify({ seed: SEED, kills: KILLS, perBoot }));
  });
});
