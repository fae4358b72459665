/**
 * What an agent's frames do to the fleet's state, apart from the socket: recording a hello,
 * publishing a stored batch to browsers, recording events. AgentConnection calls these in order.
 */
import type { EventFrame, HelloFrame, Sample } from "@flotilla/protocol";
import type { Services } from "../services.js";
import type { AgentIdentity } from "./agent-auth.js";
import { hostMetricsEvent, workloadMetricsEvent } from "./metrics-ingest.js";
import { createMicroBatcher, type MicroBatcherOptions } from "./micro-batcher.js";

type Deps = Pick<Services, "prisma" | "pool" | "live">;

export interface HelloRecord {
  lastSeq: number;
  memoryCapacity: number;
}

interface HelloItem {
  identity: AgentIdentity;
  hello: HelloFrame;
}

const RETRYABLE = new Set(["40P01", "40001"]); // deadlock, serialization failure

/**
 * Records hellos in batches: the agents' version and boot, the hosts' version, interval and
 * connection time, brings offline hosts online, and reads each agent's last committed seq for
 * `welcome`. A batch is one transaction on one pool connection, so thousands of agents
 * reconnecting at once queue here instead of each holding a database connection.
 */
export function createHelloRegistry(
  deps: Deps,
  options: Partial<MicroBatcherOptions> & {
    /** NOTIFY `<channel>` with "<nodeId> <agentId> <ms>" per hello, so other nodes drop stale links. */
    announce?: { channel: string; nodeId: string };
  } = {},
) {
  const batcher = createMicroBatcher<HelloItem, HelloRecord>((items) => registerHellos(deps, items, options.announce), {
    maxSize: options.maxSize ?? 500,
    maxWaitMs: options.maxWaitMs ?? 10,
    concurrency: options.concurrency ?? 1,
  });
  return (identity: AgentIdentity, hello: HelloFrame) => batcher.run({ identity, hello });
}

type Announce = { channel: string; nodeId: string } | undefined;

async function registerHellos(deps: Deps, items: HelloItem[], announce: Announce): Promise<HelloRecord[]> {
  const now = new Date();
  for (let attempt = 1; ; attempt++) {
    try {
      return await registerHellosOnce(deps, items, now, announce);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
    }
  }
}

async function registerHellosOnce(
  deps: Deps,
  items: HelloItem[],
  now: Date,
  announce: Announce,
): Promise<HelloRecord[]> {
  const agentIds = items.map((i) => i.identity.agentId);
  const hostIds = items.map((i) => i.identity.hostId);
  const versions = items.map((i) => i.hello.agentVersion);
  const client = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    // Rows are locked in id order, so two nodes' batches (or the offline sweeper) cannot deadlock for long.
    await client.query(
      `WITH i AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i(agent_id, version, boot_id)),
            locked AS (SELECT a.id FROM agents a JOIN i ON i.agent_id = a.id ORDER BY a.id FOR UPDATE OF a)
       UPDATE agents a SET version = i.version, last_boot_id = i.boot_id
         FROM i, locked WHERE a.id = i.agent_id AND locked.id = a.id`,
      [agentIds, versions, items.map((i) => i.hello.bootId)],
    );
    const hosts = await client.query<{ id: string; org_id: string; memory_bytes: string; came_online: boolean }>(
      `WITH i AS (SELECT DISTINCT ON (host_id) * FROM unnest($1::text[], $2::text[], $3::int[]) AS i(host_id, version, interval_ms)),
            prev AS (SELECT h.id, h.status AS old_status FROM hosts h JOIN i ON i.host_id = h.id ORDER BY h.id FOR UPDATE OF h)
       UPDATE hosts h
          SET agent_version = i.version, interval_ms = i.interval_ms, connected_at = $4, last_seen_at = $4,
              status = CASE WHEN prev.old_status = 'offline' THEN 'online'::"HostStatus" ELSE h.status END
         FROM i, prev
        WHERE h.id = i.host_id AND prev.id = h.id
        RETURNING h.id, h.org_id, h.memory_bytes::text AS memory_bytes, prev.old_status = 'offline' AS came_online`,
      [hostIds, versions, items.map((i) => i.hello.intervalMs), now],
    );
    const seqs = await client.query<{ agent_id: string; seq: string }>(
      "SELECT agent_id, max(seq)::text AS seq FROM metric_batches WHERE agent_id = ANY($1::text[]) GROUP BY agent_id",
      [agentIds],
    );
    if (announce) {
      // Sent on commit, only if the hellos were recorded.
      await client.query("SELECT pg_notify($1, $2 || ' ' || a || ' ' || $3) FROM unnest($4::text[]) AS a", [
        announce.channel,
        announce.nodeId,
        String(now.getTime()),
        agentIds,
      ]);
    }
    await client.query("COMMIT");
    const lastSeq = new Map(seqs.rows.map((r) => [r.agent_id, Number(r.seq)]));
    const hostRows = new Map(hosts.rows.map((r) => [r.id, r]));
    for (const h of hosts.rows) {
      if (h.came_online)
        deps.live.hostStatus(h.org_id, { hostId: h.id, status: "online", lastSeenAt: now.toISOString() });
    }
    return items.map((i) => ({
      lastSeq: lastSeq.get(i.identity.agentId) ?? 0,
      memoryCapacity: Number(hostRows.get(i.identity.hostId)?.memory_bytes ?? 0),
    }));
  } catch (err) {
    // A failed ROLLBACK means the connection is unusable: destroy it rather than pool it.
    await client.query("ROLLBACK").catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Pushes a freshly stored batch to browsers: the host's newest figures, and its workloads'. */
export function publishBatch(deps: Deps, identity: AgentIdentity, samples: readonly Sample[], memoryCapacity: number) {
  const hostEvent = hostMetricsEvent(identity.hostId, samples, memoryCapacity);
  if (hostEvent) deps.live.hostMetrics(identity.orgId, hostEvent);
  const workloadEvent = workloadMetricsEvent(identity.hostId, samples);
  if (workloadEvent) deps.live.workloadMetrics(workloadEvent);
}

/** Stores an agent event once, however often it is resent. */
export async function recordHostEvent(deps: Pick<Services, "prisma">, hostId: string, frame: EventFrame) {
  // Ids are the agent's; prefixing with the host keeps one host's ids from shadowing another's.
  await deps.prisma.hostEvent.createMany({
    data: [
      {
        id: `${hostId}:${frame.id}`,
        hostId,
        workloadId: frame.workloadId ?? null,
        kind: frame.kind,
        message: frame.message,
        data: (frame.data ?? undefined) as object | undefined,
        at: new Date(frame.ts),
      },
    ],
    skipDuplicates: true,
  });
}
