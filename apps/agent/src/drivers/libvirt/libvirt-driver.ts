/**
 * The `libvirt` driver, for hosts whose VMs libvirt manages: inventory, metrics, start/stop and
 * the vm.* power, memory and snapshot commands (domain-commands.ts), creating, cloning and
 * deleting domains (domain-provisioning.ts), all through `virsh` (argument
 * arrays, an explicit connection URI). Changes arrive from a running
 * `virsh event --all --loop`; every tick's `domstats` also reconciles states, so a change is
 * still noticed within one interval while the event stream is down (libvirtd restarting).
 */
import type { ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sample, Workload } from "@flotilla/protocol";
import { CommandError, type CommandHandlers } from "../../commands/handler.js";
import type { Logger } from "../../logger.js";
import type { Driver, DriverEvent, DriverListener } from "../driver.js";
import { createDomainCommandHandlers } from "./domain-commands.js";
import type { DomainHost } from "./domain-provisioning.js";
import { type DomainReading, domainSample, lifecycleEvents, toDomainWorkload } from "./domain-workload.js";
import type { DomainType } from "./domain-xml.js";
import { runVirsh, type VirshOptions, watchEvents } from "./virsh.js";
import {
  type DomainStats,
  parseDomstats,
  parseEventLine,
  parseUuidNameList,
  readDomainStats,
} from "./virsh-parsers.js";

export const DEFAULT_LIBVIRT_URI = "qemu:///system";

export interface LibvirtDriverOptions {
  logger: Logger;
  uri?: string;
  virshBinary?: string;
  /** Follow `virsh event` for immediate deltas (default); without it, changes show at the next tick. */
  events?: boolean;
  commandTimeoutMs?: number;
  /** How long `stopWorkload` waits for an ACPI shutdown before destroying the domain. */
  shutdownTimeoutMs?: number;
  /** The agent's state dir: new domains' disks go to `<stateDir>/libvirt-disks` unless `diskDir` says. */
  stateDir?: string;
  diskDir?: string;
}

interface Domain {
  uuid: string;
  name: string;
  stats: DomainStats;
  /** When this driver saw it start; libvirt does not say when a domain started. */
  startedAt: number | undefined;
  reading: DomainReading | undefined;
}

const STAT_GROUPS = ["--raw", "--state", "--cpu-total", "--balloon", "--vcpu", "--interface", "--block"];

export class LibvirtDriver implements Driver, DomainHost {
  readonly name = "libvirt" as const;
  /** Where vm.create and vm.clone put new domains' disks (see domain-provisioning.ts). */
  readonly diskDir: string;
  private kvm: Promise<DomainType> | undefined;
  private readonly known = new Map<string, Domain>();
  private readonly virshOptions: VirshOptions;
  private readonly log: Logger;
  private listener: DriverListener | undefined;
  private watcher: ChildProcess | undefined;
  private running = false;
  private refreshing: Promise<void> | undefined;
  private refreshQueued = false;

  constructor(private readonly options: LibvirtDriverOptions) {
    this.log = options.logger.child({ driver: "libvirt" });
    this.virshOptions = {
      binary: options.virshBinary ?? "virsh",
      uri: options.uri ?? DEFAULT_LIBVIRT_URI,
      timeoutMs: options.commandTimeoutMs ?? 15_000,
    };
    this.diskDir = options.diskDir ?? join(options.stateDir ?? tmpdir(), "libvirt-disks");
  }

  async start(listener: DriverListener): Promise<void> {
    this.running = true;
    // libvirtd may not be up yet: the driver keeps trying at every tick.
    await this.refresh().catch((error: unknown) => this.log.warn({ err: error }, "libvirt does not answer yet"));
    this.listener = listener;
    if (this.options.events !== false) this.watch();
    this.log.info({ uri: this.virshOptions.uri, domains: this.known.size }, "libvirt driver started");
  }

  async stop(): Promise<void> {
    this.running = false;
    this.listener = undefined;
    this.watcher?.kill();
    this.watcher = undefined;
  }

  async inventory(): Promise<Workload[]> {
    await this.refresh();
    return [...this.known.values()].map(workloadOf);
  }

  async sample(ts: number): Promise<Sample[]> {
    const byName = parseDomstats(await runVirsh(this.virshOptions, ["domstats", ...STAT_GROUPS]));
    const at = performance.now();
    const samples: Sample[] = [];
    let unknown = false;
    for (const [name, raw] of byName) {
      const domain = [...this.known.values()].find((d) => d.name === name);
      if (!domain) {
        unknown = true;
        continue;
      }
      const reading = { at, stats: readDomainStats(raw) };
      this.update(domain, reading.stats);
      const up = reading.stats.state === "running" || reading.stats.state === "paused";
      const sample = up && domain.reading ? domainSample(domain.uuid, domain.reading, reading, ts) : undefined;
      if (sample) samples.push(sample);
      domain.reading = up ? reading : undefined;
    }
    // A domain defined or undefined without an event reaching us: the full picture again.
    if (unknown || byName.size !== this.known.size) void this.refresh().catch(() => undefined);
    return samples;
  }

  async startWorkload(workloadId: string): Promise<void> {
    const domain = await this.find(workloadId);
    if (domain.stats.state === "running") return;
    await runVirsh(this.virshOptions, [domain.stats.state === "paused" ? "resume" : "start", domain.uuid]);
    await this.refresh();
  }

  /** ACPI shutdown, then `destroy` after the timeout; `force` destroys at once. */
  async stopWorkload(workloadId: string, force: boolean, timeoutMs?: number): Promise<void> {
    const domain = await this.find(workloadId);
    if (domain.stats.state === "stopped") return;
    if (!force) {
      await runVirsh(this.virshOptions, ["shutdown", domain.uuid]);
      const deadline = Date.now() + (timeoutMs ?? this.options.shutdownTimeoutMs ?? 60_000);
      while (Date.now() < deadline) {
        const state = await this.stateOf(domain.uuid);
        if (state === "stopped" || state === undefined) return this.refresh();
        await new Promise((r) => setTimeout(r, 250));
      }
      this.log.warn({ domain: domain.name }, "guest did not shut down in time; destroying it");
    }
    await runVirsh(this.virshOptions, ["destroy", domain.uuid]).catch(async (error: unknown) => {
      const state = await this.stateOf(domain.uuid);
      if (state !== "stopped" && state !== undefined) throw error; // else it shut down meanwhile
    });
    await this.refresh();
  }

  commandHandlers(): CommandHandlers {
    return createDomainCommandHandlers(this);
  }

  /** A known domain as last read (after a fresh read); throws not_found for an unknown uuid. */
  async domain(uuid: string): Promise<Readonly<Pick<Domain, "uuid" | "name" | "stats">>> {
    return this.find(uuid);
  }

  /** `virsh VERB UUID ...args` on a known domain, then the domains are read again; virsh's output. */
  async onDomain(uuid: string, verb: string, args: readonly string[] = []): Promise<string> {
    const domain = await this.find(uuid);
    const out = await runVirsh(this.virshOptions, [verb, domain.uuid, ...args]);
    await this.refresh();
    return out;
  }

  /** As onDomain, for what only a running guest can do (suspend, reboot, setmem --live). */
  async onRunningDomain(uuid: string, verb: string, args: readonly string[] = []): Promise<string> {
    const domain = await this.find(uuid);
    if (domain.stats.state !== "running")
      throw new CommandError("command_failed", `${domain.name} is ${domain.stats.state}, not running`);
    return this.onDomain(uuid, verb, args);
  }

  /** `virsh ...args` (for domain-provisioning.ts), then the domains are read again. */
  async virsh(args: readonly string[]): Promise<string> {
    const out = await runVirsh(this.virshOptions, args);
    await this.refresh();
    return out;
  }

  async domains(): Promise<Array<{ uuid: string; name: string; state: string }>> {
    await this.refresh();
    return [...this.known.values()].map((d) => ({ uuid: d.uuid, name: d.name, state: d.stats.state }));
  }

  /** kvm when libvirt can run KVM guests here, else qemu (TCG); asked once. */
  domainType(): Promise<DomainType> {
    this.kvm ??= runVirsh(this.virshOptions, ["domcapabilities", "--virttype", "kvm"]).then(
      () => "kvm" as const,
      () => "qemu" as const,
    );
    return this.kvm;
  }

  /** Re-reads every domain (coalesced: at most one running, one queued) and reports what changed. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshQueued = true;
      return this.refreshing;
    }
    this.refreshing = this.readAll().finally(() => {
      this.refreshing = undefined;
      if (this.refreshQueued) {
        this.refreshQueued = false;
        void this.refresh().catch((error: unknown) => this.log.warn({ err: error }, "libvirt refresh failed"));
      }
    });
    return this.refreshing;
  }

  private async readAll(): Promise<void> {
    const [list, stats] = await Promise.all([
      runVirsh(this.virshOptions, ["list", "--all", "--uuid", "--name"]),
      runVirsh(this.virshOptions, ["domstats", ...STAT_GROUPS]),
    ]);
    const uuidByName = parseUuidNameList(list);
    const statsByName = parseDomstats(stats);
    const removed: string[] = [];
    const events: DriverEvent[] = [];
    for (const domain of this.known.values()) {
      if (uuidByName.get(domain.name) === domain.uuid) continue;
      this.known.delete(domain.uuid);
      removed.push(domain.uuid);
      events.push(...lifecycleEvents(domain.uuid, domain.name, domain.stats.state, undefined));
    }
    if (removed.length > 0) this.listener?.inventoryChanged({ changed: [], removed });
    for (const e of events) this.listener?.event(e);
    for (const [name, uuid] of uuidByName) {
      const raw = statsByName.get(name);
      if (!raw) continue; // undefined between the two calls; the next refresh settles it
      const stats = readDomainStats(raw);
      const known = this.known.get(uuid);
      if (known) this.update(known, stats);
      else this.add({ uuid, name, stats, startedAt: undefined, reading: undefined });
    }
  }

  private add(domain: Domain): void {
    this.known.set(domain.uuid, domain);
    if (!this.listener) return; // found at start: part of the first full inventory
    if (domain.stats.state === "running") domain.startedAt = Date.now();
    this.listener.inventoryChanged({ changed: [workloadOf(domain)], removed: [] });
    for (const e of lifecycleEvents(domain.uuid, domain.name, undefined, domain.stats.state)) this.listener.event(e);
  }

  /** New stats for a known domain: a delta when its workload changed, an event when its state did. */
  private update(domain: Domain, stats: DomainStats): void {
    const before = workloadOf(domain);
    const from = domain.stats.state;
    domain.stats = stats;
    if (stats.state === "running" && from !== "running" && from !== "paused") domain.startedAt = Date.now();
    if (stats.state === "stopped") domain.startedAt = undefined;
    const after = workloadOf(domain);
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    this.listener?.inventoryChanged({ changed: [after], removed: [] });
    for (const e of lifecycleEvents(domain.uuid, domain.name, from, stats.state)) this.listener?.event(e);
  }

  private watch(): void {
    const child = watchEvents(
      this.virshOptions,
      (line) => {
        const event = parseEventLine(line);
        if (!event) return;
        this.log.debug({ ...event }, "libvirt event");
        this.refresh().catch((error: unknown) => this.log.warn({ err: error }, "libvirt refresh failed"));
      },
      (detail) => {
        if (this.watcher !== child) return;
        this.watcher = undefined;
        if (!this.running) return;
        this.log.warn({ detail }, "virsh event stopped; states are polled every tick until it is back");
        setTimeout(() => {
          if (this.running && !this.watcher) this.watch();
        }, 2000).unref();
      },
    );
    this.watcher = child;
  }

  /** A domain's state; undefined when it no longer exists (a transient domain that shut down). */
  private async stateOf(uuid: string): Promise<Workload["state"] | undefined> {
    const text = await runVirsh(this.virshOptions, ["domstats", "--raw", "--state", uuid]).catch(() => "");
    const raw = [...parseDomstats(text).values()][0];
    return raw ? readDomainStats(raw).state : undefined;
  }

  private async find(uuid: string): Promise<Domain> {
    await this.refresh();
    const domain = this.known.get(uuid);
    if (!domain) throw new CommandError("not_found", `no libvirt domain ${uuid}`);
    return domain;
  }
}

function workloadOf(domain: Domain): Workload {
  return toDomainWorkload(domain.uuid, domain.name, domain.stats, domain.startedAt);
}
