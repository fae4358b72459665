/**
 * A tiny stand-in for the control plane, for the agent's own tests and measurements: the
 * enrolment endpoint and the agent WebSocket on 127.0.0.1, recording every frame it gets.
 * It commits metrics batches in seq order like the real gateway and acks after "commit".
 * Not a model of the real gateway's rules beyond what the agent relies on.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AGENT_ENROLL_PATH,
  AGENT_GATEWAY_PATH,
  type AgentFrame,
  CloseCode,
  decodeAgentFrame,
  type EnrollRequest,
  enrollRequestSchema,
  type MetricsFrame,
  PROTOCOL_VERSION,
  type ServerFrameInput,
} from "@flotilla/protocol";
import { type WebSocket, WebSocketServer } from "ws";

export interface FakeAgent {
  agentId: string;
  secret: string;
  hostId: string;
  /** Seqs stored, in commit order. */
  committed: number[];
  enrolledWith?: EnrollRequest;
}

export interface ReceivedFrame {
  /** Connection number (1 = first connection of any agent to this gateway). */
  conn: number;
  agentId: string;
  frame: AgentFrame;
}

export interface FakeGatewayOptions {
  /** Whether to commit and ack a metrics batch (default: all). Unacked batches are not stored. */
  shouldAck?: (frame: MetricsFrame) => boolean;
  /** Answer WebSocket pings (default true); false makes the link look dead to the agent. */
  autoPong?: boolean;
  /** Answer for an enrolment token (default: 200 for fresh tokens, 410 for used ones, 401 otherwise). */
  enrollStatus?: (token: string) => number | undefined;
}

export class FakeGateway {
  readonly agents = new Map<string, FakeAgent>();
  readonly frames: ReceivedFrame[] = [];
  /** Enrolment tokens: true while unused. */
  readonly tokens = new Map<string, boolean>();
  readonly sockets = new Map<WebSocket, { conn: number; agentId: string }>();
  invalidFrames = 0;
  shouldAck: (frame: MetricsFrame) => boolean;
  private connections = 0;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly options: FakeGatewayOptions,
  ) {
    this.shouldAck = options.shouldAck ?? (() => true);
  }

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const gateway = new FakeGateway(http, wss, `http://127.0.0.1:${port}`, options);
    http.on("request", (req, res) => void gateway.onRequest(req, res));
    http.on("upgrade", (req, socket, head) => gateway.onUpgrade(req, socket as import("node:net").Socket, head));
    return gateway;
  }

  /** Registers an agent directly (as if enrolled) and returns its credential. */
  addAgent(agentId = `agt_${randomUUID()}`): FakeAgent {
    const agent: FakeAgent = {
      agentId,
      secret: randomBytes(24).toString("hex"),
      hostId: `host_${randomUUID()}`,
      committed: [],
    };
    this.agents.set(agentId, agent);
    return agent;
  }

  newToken(): string {
    const token = `tok_${randomBytes(12).toString("hex")}`;
    this.tokens.set(token, true);
    return token;
  }

  framesOf<T extends AgentFrame["type"]>(
    type: T,
    agentId?: string,
  ): Array<ReceivedFrame & { frame: Extract<AgentFrame, { type: T }> }> {
    return this.frames.filter(
      (f): f is ReceivedFrame & { frame: Extract<AgentFrame, { type: T }> } =>
        f.frame.type === type && (agentId === undefined || f.agentId === agentId),
    );
  }

  send(agentId: string, frame: ServerFrameInput | string): void {
    for (const [ws, info] of this.sockets) {
      if (info.agentId === agentId) ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    }
  }

  /** Cuts every agent connection without a close handshake (a network failure). */
  dropConnections(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
  }

  closeConnections(code: number, reason = ""): void {
    for (const ws of this.sockets.keys()) ws.close(code, reason);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.keys()) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== AGENT_ENROLL_PATH) return reply(404, { error: "not found" });
    let text = "";
    for await (const chunk of req) text += chunk;
    const parsed = enrollRequestSchema.safeParse(JSON.parse(text || "null"));
    if (!parsed.success) return reply(400, { error: { message: parsed.error.issues[0]?.message } });
    const token = parsed.data.token;
    const fresh = this.tokens.get(token);
    const status = this.options.enrollStatus?.(token) ?? (fresh ? 200 : fresh === false ? 410 : 401);
    if (status !== 200)
      return reply(status, { error: { message: status === 410 ? "token already used" : "invalid token" } });
    this.tokens.set(token, false);
    const agent = this.addAgent();
    agent.enrolledWith = parsed.data;
    reply(200, { agentId: agent.agentId, hostId: agent.hostId, secret: agent.secret });
  }

  private onUpgrade(req: IncomingMessage, socket: import("node:net").Socket, head: Buffer): void {
    const auth = /^Bearer ([^.]+)\.(.+)$/.exec(req.headers.authorization ?? "");
    const agent = auth?.[1] ? this.agents.get(auth[1]) : undefined;
    if (new URL(req.url ?? "/", "http://x").pathname !== AGENT_GATEWAY_PATH || !agent || agent.secret !== auth?.[2]) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, agent));
  }

  private onConnection(ws: WebSocket, agent: FakeAgent): void {
    const conn = ++this.connections;
    this.sockets.set(ws, { conn, agentId: agent.agentId });
    ws.on("close", () => this.sockets.delete(ws));
    let helloSeen = false;
    ws.on("message", (data) => {
      const decoded = decodeAgentFrame(data.toString());
      if (!decoded.ok) {
        this.invalidFrames++;
        ws.send(JSON.stringify({ type: "error", ...decoded.error }));
        return;
      }
      const frame = decoded.frame;
      this.frames.push({ conn, agentId: agent.agentId, frame });
      if (!helloSeen) {
        if (frame.type !== "hello") return ws.close(CloseCode.handshake, "hello first");
        helloSeen = true;
        const lastSeq = agent.committed.reduce((a, b) => Math.max(a, b), 0);
        const welcome = {
          type: "welcome",
          protocol: PROTOCOL_VERSION,
          hostId: agent.hostId,
          serverTime: Date.now(),
          lastSeq,
        };
        ws.send(JSON.stringify(welcome));
        return;
      }
      if (frame.type === "metrics") this.onMetrics(ws, agent, frame);
      if (frame.type === "ping") ws.send(JSON.stringify({ type: "pong", nonce: frame.nonce }));
    });
  }

  private onMetrics(ws: WebSocket, agent: FakeAgent, frame: MetricsFrame): void {
    if (agent.committed.includes(frame.seq)) {
      ws.send(JSON.stringify({ type: "ack", seq: frame.seq, duplicate: true }));
      return;
    }
    if (!this.shouldAck(frame)) return;
    agent.committed.push(frame.seq);
    ws.send(JSON.stringify({ type: "ack", seq: frame.seq }));
  }
}
