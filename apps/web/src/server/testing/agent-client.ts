/** A scripted agent for gateway tests: enrols over HTTP and speaks raw frames over `ws`. */
import {
  AGENT_ENROLL_PATH,
  AGENT_GATEWAY_PATH,
  type AgentFrameInput,
  type EnrollRequest,
  type EnrollResponse,
  type HostInfo,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "@flotilla/protocol";
import WebSocket from "ws";

export function hostInfo(machineId: string, overrides: Partial<HostInfo> = {}): HostInfo {
  return {
    machineId,
    hostname: `host-${machineId.slice(0, 8)}`,
    cpuModel: "Test CPU",
    cpuCores: 8,
    memoryBytes: 16 * 1024 ** 3,
    os: "Debian 12",
    kernel: "6.1.0",
    arch: "x86_64",
    kvm: false,
    drivers: ["proc", "sim"],
    ...overrides,
  };
}

export async function enroll(baseUrl: string, body: EnrollRequest): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${baseUrl}${AGENT_ENROLL_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export interface TestAgent {
  ws: WebSocket;
  /** Next frame from the server (optionally of one type), failing after a timeout. */
  next(type?: ServerFrame["type"], timeoutMs?: number): Promise<ServerFrame>;
  send(frame: AgentFrameInput | string): void;
  hello(overrides?: Partial<Extract<AgentFrameInput, { type: "hello" }>>): void;
  closed: Promise<{ code: number; reason: string }>;
}

export function connectAgent(baseUrl: string, credential: EnrollResponse): Promise<TestAgent> {
  const url = `${baseUrl.replace(/^http/, "ws")}${AGENT_GATEWAY_PATH}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${credential.agentId}.${credential.secret}` } });
  const inbox: ServerFrame[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data) => {
    inbox.push(JSON.parse(data.toString()) as ServerFrame);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const agent: TestAgent = {
    ws,
    closed,
    async next(type, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((f) => !type || f.type === type);
        if (index >= 0) return inbox.splice(index, 1)[0] as ServerFrame;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${type ?? "frame"} from the server within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    send(frame) {
      ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    },
    hello(overrides = {}) {
      agent.send({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        agentId: credential.agentId,
        agentVersion: "0.0.0-test",
        bootId: "boot-1",
        drivers: ["proc"],
        intervalMs: 1000,
        ...overrides,
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(agent));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}
