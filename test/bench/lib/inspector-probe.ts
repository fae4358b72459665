/**
 * Looks inside a running Node process through its inspector (started with
 * `--inspect=127.0.0.1:PORT`): force a full GC, read process.memoryUsage(), and sum a heap
 * snapshot by constructor. Benchmarks use it to measure memory honestly (after a GC, split into
 * heap / external / array buffers) without any debug hook in the product's code.
 */
import { writeFileSync } from "node:fs";
import WebSocket from "ws";

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Self size and count of one constructor's objects in a heap snapshot. */
export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

export interface InspectorProbe {
  collectGarbage(): Promise<void>;
  memoryUsage(): Promise<MemoryUsage>;
  /** Committed size of each V8 heap space (v8.getHeapSpaceStatistics), by space name. */
  heapSpaces(): Promise<Record<string, number>>;
  /** The heap grouped by `<node type>:<constructor or name>`, biggest first (the snapshot is also written to `saveTo`). */
  heapSummary(saveTo?: string): Promise<HeapGroup[]>;
  close(): void;
}

async function debuggerUrl(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/json/list`);
  const targets = (await res.json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  return url;
}

export async function connectInspector(port: number): Promise<InspectorProbe> {
  const ws = new WebSocket(await debuggerUrl(port), { perMessageDeflate: false, maxPayload: 2 ** 31 });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let chunks: string[] = [];
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString()) as {
      id?: number;
      method?: string;
      params?: { chunk?: string };
      result?: unknown;
      error?: { message: string };
    };
    if (msg.method === "HeapProfiler.addHeapSnapshotChunk") chunks.push(msg.params?.chunk ?? "");
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p?.reject(new Error(msg.error.message));
    else p?.resolve(msg.result);
  });

  function call<T>(method: string, params: object = {}): Promise<T> {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  return {
    async collectGarbage() {
      // Twice: the first full GC can leave objects only the second finds dead (weak callbacks).
      await call("HeapProfiler.collectGarbage");
      await call("HeapProfiler.collectGarbage");
    },
    async memoryUsage() {
      const result = await call<{ result: { value: string } }>("Runtime.evaluate", {
        expression: "JSON.stringify(process.memoryUsage())",
        returnByValue: true,
      });
      return JSON.parse(result.result.value) as MemoryUsage;
    },
    async heapSpaces() {
      const result = await call<{ result: { value: string } }>("Runtime.evaluate", {
        expression:
          "JSON.stringify(Object.fromEntries(process.getBuiltinModule('v8').getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])))",
        returnByValue: true,
      });
      return JSON.parse(result.result.value) as Record<string, number>;
    },
    async heapSummary(saveTo) {
      chunks = [];
      await call("HeapProfiler.enable");
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      const text = chunks.join("");
      if (saveTo) writeFileSync(saveTo, text);
      const snapshot = JSON.parse(text) as HeapSnapshot;
      chunks = [];
      return summarise(snapshot);
    },
    close: () => ws.close(),
  };
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summarise(s: HeapSnapshot): HeapGroup[] {
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt] as number] ?? "?";
    const rawName = s.strings[s.nodes[i + nameAt] as number] ?? "?";
    // Strings and numbers are grouped by type only: their "names" are their values.
    const name = type === "object" || type === "closure" || type === "native" ? `${type}:${rawName}` : type;
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += s.nodes[i + sizeAt] as number;
    groups.set(name, group);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

/** Per-group growth between two summaries, divided by `per` (e.g. the connections added). */
export function diffHeap(before: HeapGroup[], after: HeapGroup[], per: number, top = 30) {
  const base = new Map(before.map((g) => [g.name, g]));
  return after
    .map((g) => {
      const b = base.get(g.name);
      return {
        name: g.name,
        countPer: Math.round(((g.count - (b?.count ?? 0)) / per) * 100) / 100,
        bytesPer: Math.round((g.bytes - (b?.bytes ?? 0)) / per),
      };
    })
    .sort((a, b) => b.bytesPer - a.bytesPer)
    .slice(0, top);
}
