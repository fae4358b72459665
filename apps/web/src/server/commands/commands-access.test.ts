// Who may ask for what, organisation isolation, late reports, and build-context blobs, against
// a real PostgreSQL and the real server over HTTP.
import { createHash } from "node:crypto";
import { AGENT_BLOBS_PATH_PREFIX, type EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrolledHost, memberSession, nextCommand, onlineAgent, signIn, waitForState } from "../testing/commands.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import type { CommandView } from "./command-view.js";
import type { CommandEventView } from "./queries.js";

let t: TestServer;
let owner: TrpcSession;
let outsider: TrpcSession;
let host: EnrollResponse;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signIn(t, t.owner.email, t.owner.password);
  const other = await seedOrg(t.prisma, "outsider");
  outsider = await signIn(t, other.email, other.password);
  host = await enrolledHost(t);
});
afterAll(async () => {
  await t?.stop();
});

const refresh = { name: "inventory.refresh", payload: {} };
const stop = { name: "container.stop", payload: { workloadId: "c-1" } };

describe("permissions", () => {
  it("lets an operator act on containers but not change the agent", async () => {
    const operator = await memberSession(t, t.owner.orgId, "operator");
    const ok = await operator.mutate<CommandView>("commands.request", { hostId: host.hostId, command: stop });
    expect(ok.status).toBe(200);
    const setInterval = { name: "metrics.set_interval", payload: { intervalMs: 2000 } };
    for (const command of [refresh, setInterval]) {
      const denied = await operator.mutate("commands.request", { hostId: host.hostId, command });
      expect(denied.error?.data.code, command.name).toBe("FORBIDDEN");
    }
    const admin = await memberSession(t, t.owner.orgId, "admin");
    expect((await admin.mutate("commands.request", { hostId: host.hostId, command: refresh })).status).toBe(200);
  });

  it("lets a viewer read commands but neither request nor cancel them", async () => {
    const viewer = await memberSession(t, t.owner.orgId, "viewer");
    const mine = await owner.mutate<CommandView>("commands.request", { hostId: host.hostId, command: stop });
    expect((await viewer.query("commands.get", { id: mine.data?.id })).status).toBe(200);
    expect((await viewer.query("commands.list", { hostId: host.hostId, limit: 5 })).status).toBe(200);
    expect((await viewer.mutate("commands.request", { hostId: host.hostId, command: stop })).error?.data.code).toBe(
      "FORBIDDEN",
    );
    expect((await viewer.mutate("commands.cancel", { id: mine.data?.id })).error?.data.code).toBe("FORBIDDEN");
  });

  it("refuses registry credentials in a request and unknown or shell-like commands", async () => {
    const withAuth = await owner.mutate("commands.request", {
      hostId: host.hostId,
      command: { name: "image.pull", payload: { reference: "busybox", auth: { username: "u", password: "p" } } },
    });
    expect(withAuth.error?.data.code).toBe("BAD_REQUEST");
    expect(withAuth.error?.message).toMatch(/credentials/);
    const shell = await owner.mutate("commands.request", {
      hostId: host.hostId,
      command: { name: "shell", payload: { cmd: "rm -rf /" } },
    });
    expect(shell.error?.data.code).toBe("BAD_REQUEST");
    const badImage = await owner.mutate("commands.request", {
      hostId: host.hostId,
      command: { name: "container.create", payload: { image: "Not An Image!" } },
    });
    expect(badImage.error?.message).toBe(
      "command.payload.image: is not a valid image reference (like nginx:1.27 or registry:5000/team/app:v2)",
    );
  });
});

describe("organisation isolation", () => {
  it("answers another organisation's host and commands exactly like missing ones", async () => {
    const mine = await owner.mutate<CommandView>("commands.request", { hostId: host.hostId, command: stop });
    const foreignHost = await outsider.mutate("commands.request", { hostId: host.hostId, command: stop });
    const missingHost = await outsider.mutate("commands.request", { hostId: crypto.randomUUID(), command: stop });
    expect(foreignHost.error?.data.code).toBe("NOT_FOUND");
    expect(foreignHost.error?.message).toBe(missingHost.error?.message);
    expect((await outsider.query("commands.get", { id: mine.data?.id })).error?.data.code).toBe("NOT_FOUND");
    expect((await outsider.mutate("commands.cancel", { id: mine.data?.id })).error?.data.code).toBe("NOT_FOUND");
    expect((await outsider.query("commands.list", { hostId: host.hostId, limit: 5 })).error?.data.code).toBe(
      "NOT_FOUND",
    );
    expect((await outsider.query<CommandView[]>("commands.list", { limit: 50 })).data).toEqual([]);
  });

  it("does not let the same idempotency key in another organisation return our command", async () => {
    const key = `shared-${crypto.randomUUID()}`;
    const mine = await owner.mutate<CommandView>("commands.request", {
      hostId: host.hostId,
      command: stop,
      idempotencyKey: key,
    });
    const theirs = await outsider.mutate("commands.request", {
      hostId: host.hostId,
      command: stop,
      idempotencyKey: key,
    });
    expect(mine.status).toBe(200);
    expect(theirs.error?.data.code).toBe("NOT_FOUND");
  });
});

describe("late reports", () => {
  it("keeps a timed-out command timed out, recording what the agent said afterwards", async () => {
    const h = await enrolledHost(t);
    const agent = await onlineAgent(t, h);
    try {
      const res = await owner.mutate<CommandView>("commands.request", {
        hostId: h.hostId,
        command: { name: "container.create", payload: { image: "busybox" } },
        deadlineMs: 1000,
      });
      const frame = await nextCommand(agent);
      // Grace for an agent that has the command is 5 s; the sweeper then gives up on it.
      const done = await waitForState<CommandView & { events: CommandEventView[] }>(
        owner,
        frame.id,
        "timed_out",
        12_000,
      );
      expect(done.error?.message).toMatch(/did not finish/);
      expect(await agent.next("cancel")).toEqual({ type: "cancel", commandId: res.data?.id });
      agent.send({
        type: "command_result",
        commandId: frame.id,
        ts: Date.now(),
        ok: true,
        result: { workloadId: "x" },
      });
      await expect
        .poll(async () => {
          const got = await owner.query<CommandView & { events: CommandEventView[] }>("commands.get", { id: frame.id });
          return got.data?.events.at(-1)?.message ?? "";
        })
        .toMatch(/reported succeeded after the command had ended as timed_out/);
      expect((await owner.query<CommandView>("commands.get", { id: frame.id })).data?.state).toBe("timed_out");
    } finally {
      agent.ws.close();
    }
  });
});

describe("build-context blobs", () => {
  async function upload(session: TrpcSession, body: Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(`${t.url}/api/blobs`, {
      method: "POST",
      headers: { "content-type": "application/x-tar", cookie: session.cookie ?? "", ...headers },
      body: new Uint8Array(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  const download = (blobId: string, agent: EnrollResponse) =>
    fetch(`${t.url}${AGENT_BLOBS_PATH_PREFIX}${blobId}`, {
      headers: { authorization: `Bearer ${agent.agentId}.${agent.secret}` },
    });

  it("serves an upload only to the agent whose unfinished build names it", async () => {
    const bytes = Buffer.from("FROM scratch\n".padEnd(2048, "\0"));
    const up = await upload(owner, bytes);
    expect(up.status).toBe(200);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(up.json).toEqual({ blobId: expect.any(String), sha256, size: bytes.length });
    const blobId = up.json.blobId as string;

    const builder = await enrolledHost(t);
    const bystander = await enrolledHost(t);
    expect((await download(blobId, builder)).status).toBe(404); // no command names it yet
    const build = await owner.mutate<CommandView>("commands.request", {
      hostId: builder.hostId,
      command: { name: "image.build", payload: { tag: "app:1", context: up.json } },
    });
    expect(build.status).toBe(200);
    const got = await download(blobId, builder);
    expect(got.status).toBe(200);
    expect(got.headers.get("x-content-sha256")).toBe(sha256);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await download(blobId, bystander)).status).toBe(404);
    expect((await fetch(`${t.url}${AGENT_BLOBS_PATH_PREFIX}${blobId}`)).status).toBe(401);

    await owner.mutate("commands.cancel", { id: build.data?.id });
    expect((await download(blobId, builder)).status).toBe(404); // its command is over
  });

  it("refuses uploads from roles that may not build, from other sites, and as forms", async () => {
    const viewer = await memberSession(t, t.owner.orgId, "viewer");
    expect((await upload(viewer, Buffer.from("x"))).status).toBe(403);
    const operator = await memberSession(t, t.owner.orgId, "operator");
    expect((await upload(operator, Buffer.from("x"))).status).toBe(200);
    expect((await upload(owner, Buffer.from("x"), { origin: "https://evil.example" })).status).toBe(403);
    expect((await upload(owner, Buffer.from("x"), { "content-type": "text/plain" })).status).toBe(400);
  });
});
