// registries.* over HTTP against the real server and PostgreSQL: passwords are write-only,
// changes need registries.manage, organisations are isolated, and an image.pull gets the
// stored login in the frame sent to the agent only, never in the Command row.
import { randomBytes } from "node:crypto";
import type { EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandView } from "../commands/command-view.js";
import { parseConfig } from "../env.js";
import { enrolledHost, memberSession, nextCommand, onlineAgent, signIn } from "../testing/commands.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import type { RegistryCredentialView } from "./credentials.js";

let t: TestServer;
let owner: TrpcSession;
let outsider: TrpcSession;
let outsiderOrg: Awaited<ReturnType<typeof seedOrg>>;
let host: EnrollResponse;

beforeAll(async () => {
  t = await startTestServer({ FLOTILLA_SECRET_KEY: randomBytes(32).toString("base64") });
  owner = await signIn(t, t.owner.email, t.owner.password);
  outsiderOrg = await seedOrg(t.prisma, "outsider");
  outsider = await signIn(t, outsiderOrg.email, outsiderOrg.password);
  host = await enrolledHost(t);
});
afterAll(async () => {
  await t?.stop();
});

const PASSWORD = "s3cret-registry-pass";

describe("registries.set / list / remove", () => {
  it("stores the password sealed and never returns it", async () => {
    const set = await owner.mutate<RegistryCredentialView>("registries.set", {
      registry: "Registry-A.example:5000",
      username: "deployer",
      password: PASSWORD,
    });
    expect(set.status, JSON.stringify(set.error)).toBe(200);
    expect(set.data).toMatchObject({ registry: "registry-a.example:5000", username: "deployer" });
    expect(JSON.stringify(set.data)).not.toContain(PASSWORD);

    const list = await owner.query<RegistryCredentialView[]>("registries.list");
    expect(JSON.stringify(list.data)).not.toContain(PASSWORD);
    const mine = list.data?.find((c) => c.registry === "registry-a.example:5000");
    expect(Object.keys(mine ?? {}).sort()).toEqual([
      "createdAt",
      "createdById",
      "id",
      "registry",
      "updatedAt",
      "username",
    ]);

    const row = await t.prisma.registryCredential.findUniqueOrThrow({ where: { id: set.data?.id } });
    expect(Buffer.from(row.secretCipher).toString("utf8")).not.toContain(PASSWORD);
    const audits = await t.prisma.auditEntry.findMany({
      where: { orgId: t.owner.orgId, target: { startsWith: "registry:" } },
    });
    expect(audits.map((a) => a.action)).toContain("registry_credential.set");
    expect(JSON.stringify(audits.map((a) => a.data))).not.toContain(PASSWORD);
  });

  it("replaces the login for the same registry instead of adding one", async () => {
    const first = await owner.mutate<RegistryCredentialView>("registries.set", {
      registry: "replace.example",
      username: "one",
      password: "p1",
    });
    const second = await owner.mutate<RegistryCredentialView>("registries.set", {
      registry: "replace.example",
      username: "two",
      password: "p2",
    });
    expect(second.data?.id).toBe(first.data?.id);
    expect(second.data?.username).toBe("two");
  });

  it("refuses a registry with a scheme or a path", async () => {
    const bad = await owner.mutate("registries.set", {
      registry: "https://x.example/v2",
      username: "u",
      password: "p",
    });
    expect(bad.error?.data.code).toBe("BAD_REQUEST");
  });

  it("lets a viewer list but only admins and owners change", async () => {
    const viewer = await memberSession(t, t.owner.orgId, "viewer");
    const operator = await memberSession(t, t.owner.orgId, "operator");
    const admin = await memberSession(t, t.owner.orgId, "admin");
    expect((await viewer.query("registries.list")).status).toBe(200);
    const input = { registry: "roles.example", username: "u", password: "p" };
    expect((await viewer.mutate("registries.set", input)).error?.data.code).toBe("FORBIDDEN");
    expect((await operator.mutate("registries.set", input)).error?.data.code).toBe("FORBIDDEN");
    const made = await admin.mutate<RegistryCredentialView>("registries.set", input);
    expect(made.status).toBe(200);
    expect((await operator.mutate("registries.remove", { id: made.data?.id })).error?.data.code).toBe("FORBIDDEN");
    expect((await admin.mutate("registries.remove", { id: made.data?.id })).status).toBe(200);
    expect(await t.prisma.registryCredential.count({ where: { id: made.data?.id } })).toBe(0);
  });

  it("keeps organisations apart: another org's credential is invisible and NOT_FOUND", async () => {
    const theirs = await outsider.mutate<RegistryCredentialView>("registries.set", {
      registry: "isolated.example",
      username: "them",
      password: "their-pass",
    });
    expect(theirs.status).toBe(200);
    const list = await owner.query<RegistryCredentialView[]>("registries.list");
    expect(list.data?.some((c) => c.registry === "isolated.example")).toBe(false);
    const removed = await owner.mutate("registries.remove", { id: theirs.data?.id });
    expect(removed.error?.data.code).toBe("NOT_FOUND");
    expect(await t.prisma.registryCredential.count({ where: { id: theirs.data?.id } })).toBe(1);
  });
});

describe("image.pull with a stored credential", () => {
  it("fills auth into the frame sent to the agent, never into the Command row", async () => {
    await owner.mutate("registries.set", { registry: "127.0.0.1:5999", username: "puller", password: PASSWORD });
    // Another organisation's login for a registry this org has none for must not be used.
    await outsider.mutate("registries.set", { registry: "only-theirs.example", username: "x", password: "their-pass" });
    const agent = await onlineAgent(t, host);
    try {
      const pull = await owner.mutate<CommandView>("commands.request", {
        hostId: host.hostId,
        command: { name: "image.pull", payload: { reference: "127.0.0.1:5999/team/app:v1" } },
      });
      expect(pull.status, JSON.stringify(pull.error)).toBe(200);
      const frame = await nextCommand(agent);
      expect(frame.id).toBe(pull.data?.id);
      expect(frame.command).toEqual({
        name: "image.pull",
        payload: {
          reference: "127.0.0.1:5999/team/app:v1",
          auth: { username: "puller", password: PASSWORD, serverAddress: "127.0.0.1:5999" },
        },
      });

      const other = await owner.mutate<CommandView>("commands.request", {
        hostId: host.hostId,
        command: { name: "image.pull", payload: { reference: "only-theirs.example/app:v1" } },
      });
      const plain = await nextCommand(agent);
      expect(plain.id).toBe(other.data?.id);
      expect(plain.command).toEqual({ name: "image.pull", payload: { reference: "only-theirs.example/app:v1" } });

      const rows = await t.prisma.command.findMany({
        where: { id: { in: [pull.data?.id ?? "", other.data?.id ?? ""] } },
      });
      expect(rows).toHaveLength(2);
      expect(JSON.stringify(rows)).not.toContain(PASSWORD);
      const shown = await owner.query("commands.get", { id: pull.data?.id });
      expect(JSON.stringify(shown.data)).not.toContain(PASSWORD);
    } finally {
      agent.ws.close();
    }
  });
});

describe("FLOTILLA_SECRET_KEY", () => {
  it("must be 32 bytes of base64, naming the variable", () => {
    const base = { DATABASE_URL: "postgres://x@127.0.0.1/x" };
    expect(() => parseConfig({ ...base, FLOTILLA_SECRET_KEY: "too-short" })).toThrow(/FLOTILLA_SECRET_KEY/);
    const key = randomBytes(32);
    expect(parseConfig({ ...base, FLOTILLA_SECRET_KEY: key.toString("base64") }).secretKey).toEqual(key);
    expect(parseConfig(base).secretKey).toBeNull();
  });
});
