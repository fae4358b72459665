// Fuzzes the agent gateway of a real server process (real PostgreSQL) with a few thousand
// seeded cases: random bytes, random text, mutated valid frames, wrong types, deep nesting,
// oversize frames, frames before hello. The server must never crash, answer every case (an
// error frame, an ack, or a close with a documented code), and still serve a clean agent after.
//   FUZZ_SEED=123 FUZZ_CASES=5000 npx vitest run --project system test/system/fuzz-gateway.test.ts
import { AGENT_GATEWAY_PATH, CloseCode, MAX_FRAME_BYTES, PROTOCOL_VERSION, type ServerFrame } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type LoadCredential, seedLoadAgents } from "../load/agents.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);
/** What a connection may be closed with: too big (1009), invalid UTF-8 or framing (1007, 1002), too many invalid frames, handshake. */
const ALLOWED_CLOSES = new Set<number>([1002, 1007, 1009, CloseCode.tooManyErrors, CloseCode.handshake]);

/** mulberry32: small, seedable, good enough to pick cases reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let db: SeededDatabase;
let server: Proc;
let url: string;
let creds: LoadCredential[];

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  url = `ws://127.0.0.1:${port}${AGENT_GATEWAY_PATH}`;
  server = await startServer(db.url, port, { ui: false });
  creds = await seedLoadAgents(db.pool, { orgId: db.demo.orgId, teamId: db.demo.teamId, count: 4 });
});

afterAll(async () => {
  await server?.stop();
  await db?.stop();
});

class Link {
  readonly frames: ServerFrame[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];
  seq = 0;

  constructor(
    readonly ws: WebSocket,
    readonly cred: LoadCredential,
  ) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      this.wake();
    });
    ws.on("close", (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on("error", () => {});
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `check` holds or the link closed; rejects after timeoutMs. */
  until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const test = () => {
        if (check() || this.closeCode !== null) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(test);
      };
      test();
    });
  }
}

async function connect(cred: LoadCredential, hello = true): Promise<Link> {
  const ws = new WebSocket(url, {
    headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` },
    maxPayload: MAX_FRAME_BYTES * 4,
  });
  const link = new Link(ws, cred);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (hello) {
    ws.send(JSON.stringify(helloFrame(cred)));
    await link.until(() => link.frames.some((f) => f.type === "welcome"));
    const welcome = link.frames.find((f) => f.type === "welcome");
    if (welcome?.type === "welcome") link.seq = welcome.lastSeq;
  }
  return link;
}

function helloFrame(cred: LoadCredential) {
  return {
    type: "hello",
    protocol: PROTOCOL_VERSION,
    agentId: cred.agentId,
    agentVersion: "fuzz-0.1.0",
    bootId: `fuzz-${cred.agentId.slice(0, 8)}`,
    capabilities: [],
    drivers: ["sim"],
    intervalMs: 5_000,
  };
}

function validSample(ts: number) {
  return {
    ts,
    target: { kind: "host" },
    cpuCores: 1.5,
    cpuRatio: 0.4,
    memUsedBytes: 1e9,
    memTotalBytes: 8e9,
    netRxBps: 10,
    netTxBps: 20,
    diskReadBps: 30,
    diskWriteBps: 40,
    load1: 0.5,
  };
}

/** Valid frames of every kind an agent sends after hello: the material mutations start from. */
function validFrames(link: Link): Record<string, unknown>[] {
  return [
    { type: "metrics", seq: link.seq + 1, samples: [validSample(Date.now())] },
    { type: "ping", nonce: "n1" },
    { type: "pong", nonce: "n2" },
    { type: "event", id: "e1", ts: Date.now(), kind: "workload.started", message: "hi" },
    { type: "inventory", full: false, workloads: [], removed: [] },
    { type: "command_result", commandId: "nope", ts: Date.now(), ok: true },
    { type: "command_progress", commandId: "nope", ts: Date.now(), progress: 0.5 },
    { type: "error", code: "internal", message: "agent-side trouble" },
    helloFrame(link.cred),
  ];
}

const WEIRD: unknown[] = [
  null,
  true,
  -1,
  0,
  1e308,
  -1e308,
  2 ** 53 + 1,
  "",
  "x".repeat(5000),
  "\u0000",
  "\ud800",
  [],
  {},
  [[[[[]]]]],
  { __proto__: { polluted: true } },
  "constructor",
  Number.MIN_VALUE,
];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

function mutate(rand: () => number, frame: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(frame);
  const keys = Object.keys(copy);
  const key = pick(rand, keys.length > 0 ? keys : ["type"]);
  const r = rand();
  if (r < 0.3) copy[key] = pick(rand, WEIRD);
  else if (r < 0.45) delete copy[key];
  else if (r < 0.6) copy[`extra${Math.floor(rand() * 10)}`] = pick(rand, WEIRD);
  else if (r < 0.7) copy.type = pick(rand, ["metrics", "hello", "welcome", "ack", "command", "", "METRICS"]);
  else if (r < 0.8 && Array.isArray(copy.samples)) {
    const s = copy.samples[0] as Record<string, unknown>;
    s[pick(rand, Object.keys(s))] = pick(rand, WEIRD);
  } else if (r < 0.9 && copy.type === "metrics") {
    copy.samples = Array.from({ length: 1 + Math.floor(rand() * 6000) }, () => validSample(Date.now()));
  } else copy[key] = JSON.parse(JSON.stringify(copy[key] ?? null)) ?? pick(rand, WEIRD);
  return copy;
}

function deepNesting(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

type Case = { kind: string; data: string | Buffer; binary?: boolean };

function makeCase(rand: () => number, link: Link): Case {
  const r = rand();
  if (r < 0.15) {
    return {
      kind: "random-bytes",
      data: Buffer.from(Array.from({ length: Math.floor(rand() * 512) }, () => Math.floor(rand() * 256))),
      binary: rand() < 0.5,
    };
  }
  if (r < 0.25) {
    const chars = Array.from({ length: Math.floor(rand() * 300) }, () =>
      String.fromCharCode(Math.floor(rand() * 0x2fff)),
    );
    return { kind: "random-text", data: chars.join("") };
  }
  if (r < 0.3) return { kind: "deep-nesting", data: deepNesting(1 + Math.floor(rand() * 20_000)) };
  if (r < 0.35) {
    const text = JSON.stringify(pick(rand, validFrames(link)));
    return { kind: "truncated", data: text.slice(0, Math.floor(rand() * text.length)) };
  }
  if (r < 0.4) return { kind: "wrong-json-type", data: JSON.stringify(pick(rand, WEIRD)) };
  return { kind: "mutated", data: JSON.stringify(mutate(rand, pick(rand, validFrames(link)))) };
}

async function serverAlive(): Promise<boolean> {
  const res = await fetch(url.replace("ws", "http").replace(AGENT_GATEWAY_PATH, "/healthz")).catch(() => null);
  return res?.ok === true && server.child.exitCode === null;
}

describe(`gateway fuzzing (seed ${SEED}, ${CASES} cases)`, () => {
  it("answers every case, closes only with documented codes, and never crashes", async () => {
    const rand = prng(SEED);
    const tally: Record<string, number> = {};
    const closes: Record<string, number> = {};
    let link = await connect(creds[0] as LoadCredential);
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(rand, link);
      const framesBefore = link.frames.length;
      link.ws.send(c.data, { binary: c.binary === true });
      // A ping after every case: its pong says the case before it was read and answered.
      const nonce = `case-${i}`;
      link.ws.send(JSON.stringify({ type: "ping", nonce }));
      try {
        await link.until(() => link.frames.slice(framesBefore).some((f) => f.type === "pong" && f.nonce === nonce));
      } catch (err) {
        throw new Error(
          `case ${i} (${c.kind}) got no answer: ${(err as Error).message}\n${server.output().slice(-3000)}`,
        );
      }
      tally[c.kind] = (tally[c.kind] ?? 0) + 1;
      if (link.closeCode !== null) {
        closes[link.closeCode] = (closes[link.closeCode] ?? 0) + 1;
        expect(ALLOWED_CLOSES.has(link.closeCode), `case ${i} (${c.kind}) closed with ${link.closeCode}`).toBe(true);
        link = await connect(pick(rand, creds));
      }
    }

    // Oversize: one frame past maxPayload is refused with 1009, and nothing else breaks.
    const big = await connect(creds[1] as LoadCredential);
    big.ws.send(`{"type":"ping","nonce":"${"x".repeat(MAX_FRAME_BYTES + 10)}"}`);
    await big.until(() => false).catch(() => {});
    expect(big.closeCode).toBe(1009);

    // 20 invalid frames in a row close the link with 4005.
    const noisy = await connect(creds[2] as LoadCredential);
    for (let i = 0; i < 25; i++) noisy.ws.send("not json");
    await noisy.until(() => false).catch(() => {});
    expect(noisy.closeCode).toBe(CloseCode.tooManyErrors);

    // Anything but hello first: 4003.
    const rude = await connect(creds[3] as LoadCredential, false);
    rude.ws.send(JSON.stringify({ type: "metrics", seq: 1, samples: [validSample(Date.now())] }));
    await rude.until(() => false).catch(() => {});
    expect(rude.closeCode).toBe(CloseCode.handshake);

    expect(await serverAlive()).toBe(true);
    expect(server.output()).not.toMatch(/uncaught|unhandled|FATAL|heap out of memory/i);
    // Bad input is refused at the door with invalid_frame, never discovered by the database.
    const internal = server
      .output()
      .split("\n")
      .filter((l) => l.includes("failed to handle agent frame"));
    expect(
      internal.slice(0, 5).map((l) => l.slice(0, 1500)),
      `${internal.length} frames failed inside the server`,
    ).toEqual([]);

    // Still serving: a clean agent is welcomed and its batch stored and acknowledged.
    link.ws.close();
    const clean = await connect(creds[0] as LoadCredential);
    const seq = clean.seq + 1;
    clean.ws.send(JSON.stringify({ type: "metrics", seq, samples: [validSample(Date.now())] }));
    await clean.until(() => clean.frames.some((f) => f.type === "ack" && f.seq === seq));
    expect(clean.frames.find((f) => f.type === "ack" && f.seq === seq)).toMatchObject({ duplicate: false });
    clean.ws.close();
    console.log(JSON.stringify({ seed: SEED, cases: CASES, tally, closes }));
  });
});
