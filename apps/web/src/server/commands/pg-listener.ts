/**
 * LISTEN on one PostgreSQL channel over a dedicated connection (a pooled one would be handed
 * to someone else), reconnecting with backoff when the database restarts or the link dies.
 * Notifications sent while it was disconnected are lost, so `onConnected` runs after every
 * (re)connect for the owner to catch up from the tables.
 */
import pg from "pg";
import type { Logger } from "../logger.js";

export interface PgListenerOptions {
  databaseUrl: string;
  channel: string;
  onNotification(payload: string): void;
  /** After the first connect and after every reconnect. */
  onConnected(reconnected: boolean): void;
  log: Logger;
  retryBaseMs?: number;
  retryCapMs?: number;
}

export interface PgListener {
  /** Connects and listens; rejects if the first attempt fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly connected: boolean;
}

export function createPgListener(options: PgListenerOptions): PgListener {
  const { log, channel } = options;
  const base = options.retryBaseMs ?? 250;
  const cap = options.retryCapMs ?? 5_000;
  let client: pg.Client | null = null;
  let connected = false;
  let stopped = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: options.databaseUrl, keepAlive: true });
    // Errors after connect (the server restarted, the link died) end this client; retry.
    c.on("error", (err) => {
      log.warn({ err: err.message, channel }, "notification connection failed");
      drop(c);
    });
    c.on("end", () => drop(c));
    c.on("notification", (msg) => {
      if (msg.channel === channel && msg.payload) options.onNotification(msg.payload);
    });
    client = c;
    try {
      await c.connect();
      // Identifier, not a parameter: LISTEN takes no bind parameters. The channel is our constant.
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      drop(c);
      throw err;
    }
    const reconnected = attempt > 0 || connected;
    connected = true;
    attempt = 0;
    if (reconnected) log.info({ channel }, "listening for notifications again");
    options.onConnected(reconnected);
  }

  function drop(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    connected = false;
    c.removeAllListeners("notification");
    void c.end().catch(() => {});
    if (!stopped) scheduleRetry();
  }

  function scheduleRetry(): void {
    if (retryTimer || stopped) return;
    const delay = Math.min(cap, base * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect().catch((err: unknown) => {
        if (attempt === 1 || attempt % 10 === 0)
          log.warn({ err: (err as Error).message, attempt }, "cannot listen for notifications yet");
      });
    }, delay);
    retryTimer.unref();
  }

  return {
    get connected() {
      return connected;
    },
    async start() {
      stopped = false;
      try {
        await connect();
      } catch (err) {
        await this.stop();
        throw err;
      }
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const c = client;
      client = null;
      connected = false;
      await c?.end().catch(() => {});
    },
  };
}
