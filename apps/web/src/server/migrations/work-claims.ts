/**
 * One server node at a time per migration or evacuation: a node claims one with a session-level
 * PostgreSQL advisory lock on a connection of its own before it runs it. Another node's try
 * fails while the claim is held; a node that dies (crash, kill, lost link) loses its connection
 * and so its claims at once, and whichever node looks next takes the work over from the row.
 * When this node's connection breaks, every claim it held is gone: `generation` moves on so the
 * runs that held them stop (the next look resumes them, here or elsewhere).
 */
import pg from "pg";
import type { Logger } from "../logger.js";

/** The first key of the advisory lock: one per kind of work, so ids of two kinds never meet. */
export const CLAIM_KINDS = { migration: 0x466c_4d31, evacuation: 0x466c_4531 } as const;
/** The application_name prefix of every node's claims connection. */
export const CLAIMS_APPLICATION = "flotilla-claims";
export type ClaimKind = keyof typeof CLAIM_KINDS;

export interface WorkClaims {
  /** True when this node now holds the claim (or already did); false when another node does. */
  tryClaim(kind: ClaimKind, id: string): Promise<boolean>;
  release(kind: ClaimKind, id: string): Promise<void>;
  /** Changes whenever the connection (and with it every claim) was lost. */
  readonly generation: number;
  stop(): Promise<void>;
}

/** `node`: this server node's name in pg_stat_activity (application_name), to see who holds what. */
export function createWorkClaims(databaseUrl: string, log: Logger, node: string): WorkClaims {
  let client: Promise<pg.Client> | null = null;
  let generation = 0;

  function connection(): Promise<pg.Client> {
    if (client) return client;
    const c = new pg.Client({
      connectionString: databaseUrl,
      keepAlive: true,
      application_name: `${CLAIMS_APPLICATION} ${node}`,
    });
    const lost = (err?: Error) => {
      if (client !== made) return;
      client = null;
      generation++;
      log.warn({ err }, "the claims connection ended: this node's migration and evacuation claims are released");
    };
    c.on("error", lost);
    c.on("end", () => lost());
    const made: Promise<pg.Client> = c.connect().then(
      () => c,
      (err: unknown) => {
        lost(err as Error);
        throw err;
      },
    );
    client = made;
    return made;
  }

  return {
    get generation() {
      return generation;
    },
    async tryClaim(kind, id) {
      const c = await connection();
      // hashtext maps the id into the lock's second int; a collision only delays the other one.
      const res = await c.query<{ claimed: boolean }>("SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS claimed", [
        CLAIM_KINDS[kind],
        id,
      ]);
      return res.rows[0]?.claimed === true;
    },
    async release(kind, id) {
      const c = client ? await client.catch(() => null) : null;
      if (!c) return; // the connection, and the claim with it, is already gone
      await c.query("SELECT pg_advisory_unlock($1::int, hashtext($2))", [CLAIM_KINDS[kind], id]);
    },
    async stop() {
      const c = client ? await client.catch(() => null) : null;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
