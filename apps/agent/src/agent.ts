/**
 * One agent: collects host and workload samples every interval into the spool, keeps a
 * connection to the gateway, sends inventory, metrics and events, and runs commands.
 * `flotilla-agent run` starts one; `sim` starts many in one process.
 */
import { randomUUID } from "node:crypto";
import {
  type InventoryFrame,
  PROTOCOL_VERSION,
  plainlyValidSample,
  type Sample,
  sampleSchema,
  type WelcomeFrame,
} from "@flotilla/protocol";
import type { HostCollector } from "./collectors/host-collector.js";
import { createBlobFetcher } from "./commands/blob-client.js";
import { CommandRunner } from "./commands/command-runner.js";
import { CommandStore } from "./commands/command-store.js";
import { buildCommandRegistry, type CommandRegistry } from "./commands/registry.js";
import type { Driver } from "./drivers/driver.js";
import type { AgentError } from "./errors.js";
import { EventOutbox } from "./event-outbox.js";
import { InventorySync } from "./inventory-sync.js";
import type { Logger } from "./logger.js";
import { gatewayUrl } from "./server-url.js";
import type { Credentials } from "./state/credentials.js";
import { ensurePrivateDir } from "./state/files.js";
import { stateFiles } from "./state/layout.js";
import { readSettings, writeSettings } from "./state/settings.js";
import { BatchSender } from "./transport/batch-sender.js";
import { AgentConnection, type AgentConnectionOptions } from "./transport/connection.js";
import { Spool, type SpoolGap } from "./transport/spool.js";
import { AGENT_VERSION } from "./version.js";

export interface AgentOptions {
  stateDir: string;
  credentials: Credentials;
  /** Server base URL; defaults to the one stored with the credentials. */
  server?: string;
  /** Collection interval; a value set later by the server (kept in the state dir) wins. */
  intervalMs: number;
  hostCollector: HostCollector;
  drivers: Driver[];
  logger: Logger;
  spoolMaxBytes: number;
  maxInFlight?: number;
  /** Collect this long after each interval boundary (sim spreads its hosts); `ts` stays on the boundary. */
  tickOffsetMs?: number;
  connection?: Pick<
    AgentConnectionOptions,
    "backoff" | "stableAfterMs" | "handshakeTimeoutMs" | "keepaliveMs" | "random"
  >;
  /** The server refused this agent for good; the agent has stopped collecting. */
  onFatal?: (error: AgentError) => void;
}

export interface AgentStatus {
  connected: boolean;
  intervalMs: number;
  lastSeq: number;
  spooledBatches: number;
  spooledBytes: number;
  inFlight: number;
}

export class Agent {
  /** Random per agent start: lets the server tell runs apart. */
  readonly bootId = randomUUID();
  private readonly log: Logger;
  private readonly files;
  private intervalMs: number;
  private spool: Spool | undefined;
  private sender: BatchSender | undefined;
  private connection: AgentConnection | undefined;
  private commands: CommandRunner | undefined;
  private registry: CommandRegistry | undefined;
  private readonly inventory: InventorySync;
  private readonly events: EventOutbox;
  private timer: NodeJS.Timeout | undefined;
  private tickInProgress: Promise<void> = Promise.resolve();
  private session = 0;
  private state: "new" | "running" | "stopped" = "new";

  constructor(private readonly options: AgentOptions) {
    this.log = options.logger.child({ agentId: options.credentials.agentId });
    this.files = stateFiles(options.stateDir);
    this.intervalMs = options.intervalMs;
    this.events = new EventOutbox((frame) => this.connection?.send(frame) ?? false);
    this.inventory = new InventorySync(
      options.hostCollector,
      options.drivers,
      (frame: InventoryFrame) => this.connection?.send(frame) ?? false,
      this.log,
    );
  }

  status(): AgentStatus {
    return {
      connected: this.connection?.ready ?? false,
      intervalMs: this.intervalMs,
      lastSeq: this.spool?.lastSeq ?? 0,
      spooledBatches: this.spool?.batches ?? 0,
      spooledBytes: this.spool?.bytes ?? 0,
      inFlight: this.sender?.inFlightCount ?? 0,
    };
  }

  async start(): Promise<void> {
    if (this.state !== "new") throw new Error("an Agent starts once");
    this.state = "running";
    const { options, files } = this;
    await ensurePrivateDir(options.stateDir);
    this.intervalMs = (await readSettings(options.stateDir)).intervalMs ?? this.intervalMs;
    this.spool = await Spool.open({
      dir: files.spool,
      seqFile: files.seq,
      maxBytes: options.spoolMaxBytes,
      logger: this.log,
      onGap: (gap) => this.onGap(gap),
    });
    this.registry = this.createRegistry();
    const connection = this.createConnection(this.registry);
    this.sender = new BatchSender({
      spool: this.spool,
      send: (text) => connection.sendText(text),
      logger: this.log,
      ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    });
    const store = await CommandStore.open(files.commands, this.log);
    this.commands = new CommandRunner({
      store,
      registry: this.registry,
      send: (frame) => connection.send(frame),
      logger: this.log,
      fetchBlob: createBlobFetcher(options.server ?? options.credentials.server, options.credentials),
    });

    await options.hostCollector.start();
    for (const driver of options.drivers) {
      await driver.start({
        inventoryChanged: (delta) => this.inventory.onDelta(delta),
        event: (event) => this.events.push(event, this.inventory.live),
      });
    }
    this.log.info(
      { bootId: this.bootId, intervalMs: this.intervalMs, spooled: this.spool.batches, lastSeq: this.spool.lastSeq },
      "agent started",
    );
    connection.start();
    this.schedule();
  }

  /**
   * Stops in an order that loses nothing: no new ticks, let a running tick finish writing its
   * batch to the spool, stop the drivers, then close the link. Unacked batches stay spooled
   * for the next start.
   */
  async stop(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "stopped";
    clearTimeout(this.timer);
    await this.tickInProgress;
    // Before the drivers they use: running commands are told to stop and their results recorded
    // (a command cut short reports `interrupted`, now or, if the link is gone, after the restart).
    await this.commands?.stopAll();
    for (const driver of this.options.drivers) {
      await driver
        .stop()
        .catch((error: unknown) => this.log.warn({ err: error, driver: driver.name }, "driver stop failed"));
    }
    await this.connection?.stop();
    this.log.info({ spooled: this.spool?.batches ?? 0 }, "agent stopped");
  }

  private createRegistry(): CommandRegistry {
    return buildCommandRegistry(this.log, this.options.drivers, {
      sendFullInventory: () => this.inventory.sendFull(),
      setIntervalMs: (intervalMs) => this.setIntervalMs(intervalMs),
    });
  }

  private createConnection(registry: CommandRegistry): AgentConnection {
    const { options } = this;
    const capabilities = registry.names();
    this.connection = new AgentConnection({
      url: gatewayUrl(options.server ?? options.credentials.server),
      agentId: options.credentials.agentId,
      secret: options.credentials.secret,
      protocol: PROTOCOL_VERSION,
      hello: () => ({
        agentVersion: AGENT_VERSION,
        bootId: this.bootId,
        capabilities: [...capabilities],
        drivers: this.inventory.driverNames,
        intervalMs: this.intervalMs,
      }),
      logger: this.log,
      ...options.connection,
      handlers: {
        onWelcome: (frame) => this.onWelcome(frame),
        onAck: (frame) => void this.sender?.ack(frame.seq).catch((e) => this.log.error({ err: e }, "ack failed")),
        onCommand: (frame) =>
          void this.commands
            ?.handle(frame)
            .catch((e) => this.log.error({ err: e, commandId: frame.id }, "command crashed")),
        onCancel: (frame) =>
          void this.commands
            ?.cancel(frame.commandId)
            .catch((e) => this.log.error({ err: e, commandId: frame.commandId }, "cancel failed")),
        onUnreadableCommand: (id, name, problem) => this.commands?.rejectUnreadable(id, name, problem),
        onServerError: (frame) => {
          // A batch the server cannot validate would otherwise be resent forever.
          const seq = Number(frame.ref);
          if (frame.code === "invalid_frame" && Number.isSafeInteger(seq) && this.spool?.has(seq)) {
            void this.sender?.reject(seq).catch((e) => this.log.error({ err: e }, "could not drop a refused batch"));
          }
        },
        onDisconnected: () => {
          this.session++;
          this.sender?.pause();
          this.inventory.reset();
        },
        onFatal: (error) => {
          void this.stop()
            .catch((e) => this.log.error({ err: e }, "stop failed"))
            .finally(() => options.onFatal?.(error));
        },
      },
    });
    return this.connection;
  }

  /** After welcome: drop what the server has, send the full inventory, then events and metrics. */
  private onWelcome(frame: WelcomeFrame): void {
    if (frame.hostId !== this.options.credentials.hostId) {
      this.log.warn(
        { hostId: frame.hostId, enrolledHostId: this.options.credentials.hostId },
        "welcome names another host id",
      );
    }
    const session = ++this.session;
    const run = async () => {
      await this.sender?.reset(frame.lastSeq);
      if (session !== this.session) return;
      const workloads = await this.inventory.sendFull();
      if (session !== this.session || workloads < 0) return;
      this.events.flush();
      this.sender?.resume();
    };
    run().catch((error: unknown) => {
      this.log.error({ err: error }, "could not resume after welcome; reconnecting");
      this.connection?.reconnect("resume failed");
    });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.state !== "running") return;
    const now = Date.now();
    const boundary = (Math.floor(now / this.intervalMs) + 1) * this.intervalMs;
    const offset = Math.min(this.options.tickOffsetMs ?? 0, this.intervalMs - 1);
    this.timer = setTimeout(
      () => {
        this.tickInProgress = this.tick(boundary).finally(() => this.schedule());
      },
      boundary + offset - now,
    );
  }

  private async tick(ts: number): Promise<void> {
    const { drivers, hostCollector } = this.options;
    try {
      const perDriver = await Promise.all(
        drivers.map((d) =>
          d.sample(ts).catch((error: unknown) => {
            this.log.warn({ err: error, driver: d.name }, "driver sample failed");
            return [] as Sample[];
          }),
        ),
      );
      const workloads = perDriver.flat();
      const host = await hostCollector.sample(ts, workloads).catch((error: unknown) => {
        this.log.warn({ err: error }, "host sample failed");
        return undefined;
      });
      const samples = this.valid(host ? [host, ...workloads] : workloads);
      if (samples.length > 0 && this.spool) {
        await this.spool.append(samples);
        this.sender?.notify();
      }
      if ((await this.sender?.checkAcks()) === "reconnect")
        this.connection?.reconnect("metrics not acknowledged in time");
    } catch (error) {
      // A full disk or a collector bug costs one tick, not the agent.
      this.log.error({ err: error }, "collection tick failed");
    }
  }

  /** A sample the server would refuse would block the spool; drop it here instead. */
  private valid(samples: Sample[]): Sample[] {
    return samples.filter((s) => {
      if (plainlyValidSample(s)) return true;
      const result = sampleSchema.safeParse(s);
      if (!result.success)
        this.log.warn({ target: s.target, issue: result.error.issues[0]?.message }, "dropping an invalid sample");
      return result.success;
    });
  }

  /** metrics.set_interval: applies from the next tick and is kept across restarts. */
  private async setIntervalMs(intervalMs: number): Promise<void> {
    this.intervalMs = intervalMs;
    await writeSettings(this.options.stateDir, { intervalMs });
    this.schedule();
    this.log.info({ intervalMs }, "metrics interval changed");
  }

  private onGap(gap: SpoolGap): void {
    this.events.push(
      {
        kind: "spool.gap",
        message: `${gap.batches} metrics batches (seq ${gap.fromSeq}..${gap.toSeq}) dropped: ${gap.reason}`,
        data: { ...gap },
      },
      this.inventory.live,
    );
  }
}
