// A protocol-level load generator for the ingest benchmark: many simulated hosts, each one real
// WebSocket to the gateway speaking the agent's frames (hello, metrics; acks and welcome back),
// with credentials made the way enrolment makes them (a random secret, its sha256 stored).
import { randomUUID } from "node:crypto";
import type { createPrisma } from "@flotilla/db";
import { type MetricsFrame, PROTOCOL_VERSION, type Sample } from "@flotilla/protocol";
import WebSocket from "ws";
import { generateToken, hashToken } from "../../../apps/web/src/server/auth/tokens.js";

type Prisma = ReturnType<typeof createPrisma>;

export interface SimCredential {
  agentId: string;
  hostId: string;
  secret: string;
}

/** Creates `count` hosts with one agent each in the org and team, in a few bulk inserts. */
export async function createSimHosts(
  prisma: Prisma,
  input: { orgId: string; teamId: string; count: number; prefix: string },
): Promise<SimCredential[]> {
  const creds: SimCredential[] = [];
  for (let i = 0; i < input.count; i++) {
    creds.push({ agentId: randomUUID(), hostId: randomUUID(), secret: generateToken() });
  }
  for (let i = 0; i < creds.length; i += 500) {
    const chunk = creds.slice(i, i + 500);
    await prisma.host.createMany({
      data: chunk.map((c, j) => ({
        id: c.hostId,
        orgId: input.orgId,
        teamId: input.teamId,
        machineId: `${input.prefix}-${i + j}`,
        name: `${input.prefix}-${String(i + j).padStart(5, "0")}`,
        cpuCores: 16,
        memoryBytes: 64n * 2n ** 30n,
        simulated: true,
        intervalMs: 1000,
      })),
    });
    await prisma.agent.createMany({
      data: chunk.map((c) => ({ id: c.agentId, hostId: c.hostId, secretHash: hashToken(c.secret) })),
    });
  }
  return creds;
}

/** One tick of a host: its own row and `workloads` container rows, all stamped `ts`. */
export function tickSamples(ts: number, workloads: number, hostIndex: number): Sample[] {
  const load = ((hostIndex * 37 + ts / 1000) % 100) / 100;
  const samples: Sample[] = [
    {
      ts,
      target: { kind: "host" },
      cpuCores: load * 16,
      cpuRatio: load,
      memUsedBytes: 20e9 + load * 1e9,
      memTotalBytes: 64 * 2 ** 30,
      netRxBps: 1e6,
      netTxBps: 5e5,
      diskReadBps: 1e5,
      diskWriteBps: 2e5,
      load1: load * 8,
    },
  ];
  for (let w = 0; w < workloads; w++) {
    samples.push({
      ts,
      target: { kind: "container", id: `c${w}` },
      cpuCores: load,
      memUsedBytes: 5e8,
      netRxBps: 1e4,
      netTxBps: 1e4,
      diskReadBps: 0,
      diskWriteBps: 1e3,
    });
  }
  return samples;
}

/** A tick's samples encoded once, split where the timestamp goes. */
export interface TickTemplate {
  parts: string[];
  samples: number;
}

const TS_MARK = 1_234_567_890_123;

export function tickTemplate(workloads: number, hostIndex: number): TickTemplate {
  const samples = tickSamples(TS_MARK, workloads, hostIndex);
  return { parts: JSON.stringify(samples).split(String(TS_MARK)), samples: samples.length };
}

function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** One simulated agent connection. Batches are acked one by one; `inFlight` counts the unacked. */
export class SimAgent {
  private ws: WebSocket | null = null;
  private seq = 0;
  inFlight = 0;
  acked = 0;
  ackedSamples = 0;
  duplicates = 0;
  errors = 0;
  private readonly sizes = new Map<number, number>();
  private ackWaiters: Array<() => void> = [];

  constructor(
    private readonly serverUrl: string,
    readonly cred: SimCredential,
    readonly index: number,
  ) {}

  /** Opens the socket, says hello and resolves on `welcome` (continuing after welcome.lastSeq). */
  connect(): Promise<void> {
    const url = `${this.serverUrl.replace(/^http/, "ws")}/agent`;
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.cred.agentId}.${this.cred.secret}` },
      // An all-zero mask key lets ws skip XOR-ing each frame here. The frames stay valid masked
      // client frames, and the server unmasks them exactly as a real agent's: real agents run
      // on other machines, so only the server's share of the CPU belongs in the measurement.
      generateMask: zeroMask,
    });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.on("open", () => {
        ws.send(
          JSON.stringify({
            type: "hello",
            protocol: PROTOCOL_VERSION,
            agentId: this.cred.agentId,
            agentVersion: "bench",
            bootId: randomUUID(),
            capabilities: [],
            drivers: ["sim"],
            intervalMs: 1000,
          }),
        );
      });
      ws.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { type: string; seq?: number; lastSeq?: number; duplicate?: boolean };
        if (frame.type === "welcome") {
          this.seq = Math.max(this.seq, frame.lastSeq ?? 0);
          resolve();
        } else if (frame.type === "ack" && frame.seq !== undefined) {
          this.inFlight -= 1;
          this.acked += 1;
          if (frame.duplicate) this.duplicates += 1;
          else this.ackedSamples += this.sizes.get(frame.seq) ?? 0;
          this.sizes.delete(frame.seq);
          for (const wake of this.ackWaiters.splice(0)) wake();
        } else if (frame.type === "error") {
          this.errors += 1;
        }
      });
    });
  }

  sendBatch(samples: Sample[]): void {
    this.seq += 1;
    this.sizes.set(this.seq, samples.length);
    this.inFlight += 1;
    const frame: MetricsFrame = { type: "metrics", seq: this.seq, samples };
    this.ws?.send(JSON.stringify(frame));
  }

  /**
   * Sends one tick from a pre-encoded template (see tickTemplate): the same bytes JSON.stringify
   * would make, without its cost, so the generator leaves the CPU to the server it measures.
   */
  sendTick(template: TickTemplate, ts: number): void {
    this.seq += 1;
    this.sizes.set(this.seq, template.samples);
    this.inFlight += 1;
    this.ws?.send(`{"type":"metrics","seq":${this.seq},"samples":${template.parts.join(String(ts))}}`);
  }

  /** Resolves at the next ack (or after `ms`, so a stalled link cannot hang the caller). */
  nextAck(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.ackWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.ws?.close(1000, "bench done");
  }
}

/** Connects agents a few dozen at a time (each upgrade is one credential lookup on the server). */
export async function connectAll(agents: SimAgent[], parallel = 50): Promise<void> {
  for (let i = 0; i < agents.length; i += parallel) {
    await Promise.all(agents.slice(i, i + parallel).map((a) => a.connect()));
  }
}
