/**
 * Many simulated hosts in one process, each a full Agent with its own connection, state
 * subdirectory and credentials. Hosts without credentials enrol first, taking tokens from a pool.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { Agent } from "./agent.js";
import { describeHost } from "./drivers/select.js";
import { selectSimHost } from "./drivers/select-sim.js";
import { hashParts } from "./drivers/sim/random.js";
import type { SimDriverOptions } from "./drivers/sim/sim-driver.js";
import { EnrollError, enrollAgent, TOKEN_REJECTED_STATUSES } from "./enroll.js";
import { AgentError } from "./errors.js";
import type { Logger } from "./logger.js";
import { type Credentials, readCredentials } from "./state/credentials.js";

export interface SimFleetOptions {
  server: string;
  count: number;
  /** Host N keeps its state in `<stateDir>/host-NNN`. */
  stateDir: string;
  /** JSON array of one-time enrolment tokens, read only when a host needs one. */
  tokenFile?: string;
  intervalMs: number;
  spoolMaxBytes: number;
  seed: number;
  namePrefix: string;
  logger: Logger;
  /** Passed to every agent (tests shorten timeouts). */
  agentOverrides?: Partial<ConstructorParameters<typeof Agent>[0]>;
  /** Passed to every sim driver (tests turn churn off so nothing stops under a plan). */
  driverOptions?: SimDriverOptions;
}

interface SimHostPlan {
  index: number;
  name: string;
  stateDir: string;
  seed: number;
}

const tokensSchema = z.array(z.string().min(16).max(200));

/** Hands out tokens in file order; a token the server refused is not offered again. */
class TokenPool {
  private next = 0;
  constructor(private readonly tokens: readonly string[]) {}
  take(): string | undefined {
    return this.tokens[this.next++];
  }
}

export async function readTokenFile(path: string): Promise<string[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new AgentError("config", `cannot read --token-file ${path}: ${(error as Error).message}`);
  }
  const parsed = tokensSchema.safeParse(value);
  if (!parsed.success) throw new AgentError("config", `--token-file ${path} must be a JSON array of token strings`);
  return parsed.data;
}

export class SimFleet {
  private readonly agents: Agent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: SimFleetOptions) {}

  get size(): number {
    return this.agents.length;
  }

  plans(): SimHostPlan[] {
    const { count, namePrefix, stateDir, seed } = this.options;
    return Array.from({ length: count }, (_, i) => {
      const label = String(i + 1).padStart(3, "0");
      return {
        index: i,
        name: `${namePrefix}-${label}`,
        stateDir: join(stateDir, `host-${label}`),
        seed: hashParts(seed, i),
      };
    });
  }

  /** Enrols the hosts that need it, then starts every enrolled host; returns how many started. */
  async start(): Promise<number> {
    const plans = this.plans();
    const credentials = await this.ensureCredentials(plans);
    const ready = plans.filter((p) => credentials.has(p.index));
    // Spread connection starts and collection ticks so the hosts do not hit the server at once.
    const spacing = Math.min(50, this.options.intervalMs / Math.max(1, ready.length));
    ready.forEach((plan, n) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        const creds = credentials.get(plan.index);
        if (creds) void this.startHost(plan, creds, Math.floor((n / ready.length) * this.options.intervalMs * 0.5));
      }, n * spacing);
      this.timers.add(timer);
    });
    return ready.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all(this.agents.map((a) => a.stop()));
  }

  private async startHost(plan: SimHostPlan, credentials: Credentials, tickOffsetMs: number): Promise<void> {
    const runtime = selectSimHost({
      seed: plan.seed,
      hostname: plan.name,
      stateDir: plan.stateDir,
      ...this.options.driverOptions,
    });
    const log = this.options.logger.child({ host: plan.name });
    const agent = new Agent({
      stateDir: plan.stateDir,
      credentials,
      server: this.options.server,
      intervalMs: this.options.intervalMs,
      spoolMaxBytes: this.options.spoolMaxBytes,
      tickOffsetMs,
      logger: log,
      ...runtime,
      onFatal: (error) => log.error({ code: error.code }, "simulated host stopped for good"),
      ...this.options.agentOverrides,
    });
    this.agents.push(agent);
    await agent.start().catch((error: unknown) => log.error({ err: error }, "simulated host failed to start"));
  }

  private async ensureCredentials(plans: SimHostPlan[]): Promise<Map<number, Credentials>> {
    const result = new Map<number, Credentials>();
    const missing: SimHostPlan[] = [];
    for (const plan of plans) {
      const creds = await readCredentials(plan.stateDir);
      if (creds) result.set(plan.index, creds);
      else missing.push(plan);
    }
    if (missing.length === 0) return result;
    if (!this.options.tokenFile) {
      throw new AgentError(
        "not_enrolled",
        `${missing.length} simulated hosts have no credentials and no --token-file was given`,
      );
    }
    const pool = new TokenPool(await readTokenFile(this.options.tokenFile));
    const enrolOne = async (plan: SimHostPlan): Promise<void> => {
      for (let token = pool.take(); token !== undefined; token = pool.take()) {
        try {
          const runtime = selectSimHost({ seed: plan.seed, hostname: plan.name, stateDir: plan.stateDir });
          const host = await describeHost(runtime);
          result.set(
            plan.index,
            await enrollAgent({
              server: this.options.server,
              token,
              host,
              stateDir: plan.stateDir,
              logger: this.options.logger,
            }),
          );
          return;
        } catch (error) {
          if (error instanceof EnrollError && TOKEN_REJECTED_STATUSES.includes(error.status ?? 0)) {
            this.options.logger.warn({ host: plan.name, err: error.message }, "token refused; trying the next one");
            continue;
          }
          this.options.logger.error({ host: plan.name, err: (error as Error).message }, "enrolment failed");
          return;
        }
      }
      this.options.logger.error({ host: plan.name }, "no enrolment token left for this host");
    };
    // A few at a time: the pool is synchronous, so concurrent hosts never get the same token.
    const queue = [...missing];
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let plan = queue.shift(); plan; plan = queue.shift()) await enrolOne(plan);
      }),
    );
    return result;
  }
}
