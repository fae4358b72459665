/** Helpers for command tests: enrolled hosts with scripted agents, members with a given role. */
import { randomUUID } from "node:crypto";
import { hashPassword } from "@flotilla/db";
import type { EnrollResponse, ServerFrame } from "@flotilla/protocol";
import type { Role } from "../access/permissions.js";
import { createEnrollmentToken } from "../enrollment/tokens.js";
import { connectAgent, enroll, hostInfo, type TestAgent } from "./agent-client.js";
import type { TestServer } from "./test-server.js";
import { TrpcSession } from "./trpc-client.js";

export async function signIn(t: TestServer, email: string, password: string): Promise<TrpcSession> {
  const session = new TrpcSession(t.url);
  const res = await session.mutate("auth.signIn", { email, password });
  if (res.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(res.error)}`);
  return session;
}

/** A new member of `orgId` with `role`, signed in. */
export async function memberSession(t: TestServer, orgId: string, role: Role): Promise<TrpcSession> {
  const email = `${role}-${randomUUID()}@example.test`;
  const user = await t.prisma.user.create({
    data: { email, name: role, passwordHash: await hashPassword("member-pass") },
  });
  await t.prisma.orgMember.create({ data: { orgId, userId: user.id, role } });
  return signIn(t, email, "member-pass");
}

/** Enrols a new host in the org (default: the owner's) and returns its credential. */
export async function enrolledHost(t: TestServer, org = t.owner): Promise<EnrollResponse> {
  const { token } = await createEnrollmentToken(t.prisma, { orgId: org.orgId, teamId: org.teamId, ttlMs: 60_000 });
  const res = await enroll(t.url, { token, host: hostInfo(randomUUID()), agentVersion: "0.0.0-test" });
  if (res.status !== 200) throw new Error(`enrolment failed: ${JSON.stringify(res.json)}`);
  return res.json as EnrollResponse;
}

/** Connects a scripted agent and completes the handshake. */
export async function onlineAgent(t: TestServer, credential: EnrollResponse): Promise<TestAgent> {
  const agent = await connectAgent(t.url, credential);
  agent.hello();
  await agent.next("welcome");
  return agent;
}

export type CommandFrameOf = Extract<ServerFrame, { type: "command" }>;

export async function nextCommand(agent: TestAgent, timeoutMs = 5_000): Promise<CommandFrameOf> {
  return (await agent.next("command", timeoutMs)) as CommandFrameOf;
}

/** Polls `commands.get` until the command is in `state`. */
export async function waitForState<T extends { state: string }>(
  session: TrpcSession,
  id: string,
  state: string,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await session.query<T>("commands.get", { id });
    last = res.data ?? res.error;
    if (res.data?.state === state) return res.data;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`command ${id} did not reach ${state}; last: ${JSON.stringify(last)}`);
}
