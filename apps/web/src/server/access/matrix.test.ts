/**
 * The authorization matrix: every procedure of appRouter x actors x objects (own team's,
 * another team's, another organisation's, non-existent). The expected outcome is derived from
 * the role table (ROLE_PERMISSIONS) and each actor's DECLARED roles, never listed by hand; the
 * actual one comes from the real access check over a real PostgreSQL (principals loaded from
 * real sessions and tokens). Queries are also called over HTTP against the running server.
 * A new procedure is covered as soon as it exists; one taking an id it does not declare as a
 * target fails below unless it is listed with the reason its domain code scopes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { findSession } from "../auth/sessions.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import { createApiToken, findTokenPrincipal } from "../tokens/api-tokens.js";
import type { ProcedureMeta } from "../trpc/init.js";
import { appRouter } from "../trpc/router.js";
import { AccessDenied, authorize } from "./authorize.js";
import {
  type ActorSpec,
  memberWithSession,
  missingObjects,
  type ObjectSet,
  ORG_WIDE_KINDS,
  seedObjects,
  seedOrgWideObjects,
} from "./matrix-fixtures.js";
import {
  ALL_ROLE_PERMISSIONS,
  isPublicPermission,
  isSelfPermission,
  type Permission,
  ROLE_PERMISSIONS,
} from "./permissions.js";
import type { Principal } from "./principal.js";
import { NOT_FOUND_MESSAGE } from "./scope.js";
import type { TargetSpec } from "./targets.js";

type Outcome = "allow" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST";
type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription"; meta?: ProcedureMeta; inputs?: unknown[] } };

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>);
const TOKEN_SCOPE = ["fleet.read", "workloads.operate"];

/**
 * Procedures that take an id they do not declare as a target, and why that is safe: their
 * domain code reads the object only within the caller's organisation (and, for these, the
 * caller's own rows or an organisation-level permission held only by the owner).
 */
const DOMAIN_SCOPED: Record<string, string> = {
  "sessions.revoke": "deletes only the caller's own sessions (userId in the where)",
  "tokens.revoke": "revokes only the caller's tokens or those of teams they manage, in their org",
  "members.removeFromOrg": "org.manage (owner only); looks the member up in the caller's org",
  "roles.updateCustom": "org.manage (owner only); looks the role up in the caller's org",
  "roles.deleteCustom": "org.manage (owner only); deletes in the caller's org",
  "members.setRole": "userId and customRoleId are looked up in the caller's org; teamId is a target",
  "members.remove": "deletes the membership of the target team only",
  "invitations.preview": "public: the secret token is the capability",
  "invitations.accept": "public: the secret token is the capability",
  "audit.list": "audit.read (owner only); reads the caller's org only",
  "commands.request": "the idempotency key is the caller's own",
};

let t: TestServer;
let teamA1: string;
let teamA2: string;
let sets: Record<"own" | "otherTeam" | "orgWide" | "otherOrg" | "missing", ObjectSet>;
const actors: Array<{ spec: ActorSpec; principal: Principal | null; headers: Record<string, string> }> = [];

beforeAll(async () => {
  t = await startTestServer();
  const { prisma } = t;
  teamA1 = t.owner.teamId;
  teamA2 = (await prisma.team.create({ data: { orgId: t.owner.orgId, name: "Second" } })).id;
  const orgB = await seedOrg(prisma, "other-org");
  const own = await seedObjects(prisma, t.owner.orgId, teamA1);
  const otherTeam = await seedObjects(prisma, t.owner.orgId, teamA2);
  sets = {
    own,
    otherTeam,
    // Organisation-wide alerting objects and a host list across both teams; the rest as `own`.
    orgWide: await seedOrgWideObjects(prisma, t.owner.orgId, own, otherTeam.host as string),
    otherOrg: await seedObjects(prisma, orgB.orgId, orgB.teamId),
    missing: missingObjects(),
  };
  const limits = { ttlMs: 3_600_000, idleMs: 3_600_000 };
  const add = async (spec: ActorSpec) => {
    if (spec.kind === "anonymous") {
      actors.push({ spec, principal: null, headers: {} });
      return;
    }
    const m = await memberWithSession(prisma, t.owner.orgId, {
      label: spec.name,
      orgRole: spec.orgRole,
      teamRoles: spec.teamRoles,
    });
    let principal = await findSession(prisma, m.cookieToken, limits);
    let headers: Record<string, string> = { cookie: `flotilla_session=${m.cookieToken}` };
    if (spec.kind === "token") {
      if (!principal) throw new Error("no session to make a token with");
      const made = await createApiToken(prisma, principal, {
        name: "narrow",
        permissions: spec.scope ?? [],
        ttlDays: 1,
      });
      principal = await findTokenPrincipal(prisma, made.token);
      headers = { authorization: `Bearer ${made.token}` };
    }
    if (spec.removed) {
      await prisma.teamMember.deleteMany({ where: { userId: m.userId } });
      await prisma.orgMember.deleteMany({ where: { userId: m.userId } });
      principal = await findSession(prisma, m.cookieToken, limits);
    }
    actors.push({ spec, principal, headers });
  };
  await add({ name: "anonymous", kind: "anonymous" });
  await add({ name: "owner", kind: "session", orgRole: "owner" });
  await add({ name: "viewer", kind: "session", teamRoles: { [teamA1]: "viewer" } });
  await add({ name: "operator", kind: "session", teamRoles: { [teamA1]: "operator" } });
  await add({ name: "admin", kind: "session", teamRoles: { [teamA1]: "admin" } });
  await add({ name: "admin-of-other-team", kind: "session", teamRoles: { [teamA2]: "admin" } });
  await add({ name: "removed-member", kind: "session", teamRoles: { [teamA1]: "admin" }, removed: true });
  await add({ name: "narrow-token", kind: "token", teamRoles: { [teamA1]: "admin" }, scope: TOKEN_SCOPE });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

/** Permissions an actor holds in a team, from its declared roles and the role table. */
function declaredPermissions(spec: ActorSpec, teamId: string): Set<string> {
  if (spec.kind === "anonymous" || spec.removed) return new Set();
  const held = new Set<string>(spec.orgRole ? ROLE_PERMISSIONS[spec.orgRole] : []);
  const teamRole = spec.teamRoles?.[teamId];
  for (const p of teamRole ? ROLE_PERMISSIONS[teamRole] : []) held.add(p);
  if (spec.kind === "token") return new Set([...held].filter((p) => spec.scope?.includes(p)));
  return held;
}

/** The teams an object of `set` belongs to, for a target kind; null when it is not in the caller's org. */
function teamsOf(setName: keyof typeof sets, kind: TargetSpec["kind"]): string[] | null {
  if (setName === "otherOrg" || setName === "missing") return null;
  if (kind === "registryCredential") return []; // organisation-level
  if (setName === "orgWide") {
    const everyTeam = kind === "hostList" || (ORG_WIDE_KINDS as readonly string[]).includes(kind);
    return everyTeam ? [teamA1, teamA2] : [teamA1];
  }
  return [setName === "own" ? teamA1 : teamA2];
}

function expected(
  spec: ActorSpec,
  permission: Permission,
  targets: readonly TargetSpec[],
  setName: keyof typeof sets,
): Outcome {
  if (isPublicPermission(permission)) return "allow";
  if (spec.kind === "anonymous" || spec.removed) return "UNAUTHORIZED";
  if (isSelfPermission(permission)) return spec.kind === "token" ? "FORBIDDEN" : "allow";
  const anywhere = new Set([...declaredPermissions(spec, teamA1), ...declaredPermissions(spec, teamA2)]);
  if (!anywhere.has(permission)) return "FORBIDDEN";
  for (const target of targets) {
    const teams = teamsOf(setName, target.kind);
    if (teams === null) return "NOT_FOUND";
    if (teams.every((team) => declaredPermissions(spec, team).has(permission))) continue;
    return teams.every((team) => declaredPermissions(spec, team).has("fleet.read")) ? "FORBIDDEN" : "NOT_FOUND";
  }
  return "allow";
}

function inputFor(targets: readonly TargetSpec[], set: ObjectSet): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const target of targets) {
    const parts = target.field.split(".");
    let node = input;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = set[target.kind];
  }
  return input;
}

async function actual(principal: Principal | null, meta: ProcedureMeta, input: unknown): Promise<Outcome> {
  try {
    await authorize(t.prisma, principal, meta.permission as Permission, meta.targets ?? [], input);
    return "allow";
  } catch (err) {
    if (err instanceof AccessDenied) return err.code;
    throw err;
  }
}

describe("authorization matrix", () => {
  it("covers every procedure, and every id a procedure takes is a checked target or scoped by its domain", () => {
    expect(procedures.length).toBeGreaterThan(60);
    for (const [path, procedure] of procedures) {
      const schema = procedure._def.inputs?.[0];
      if (!(schema instanceof z.ZodType)) continue;
      const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: object };
      const idFields = Object.keys(json.properties ?? {}).filter((k) => k === "id" || /Id$/.test(k) || k === "handle");
      const declared = new Set((procedure._def.meta?.targets ?? []).map((s) => s.field.split(".")[0]));
      const unchecked = idFields.filter((f) => !declared.has(f));
      if (unchecked.length === 0) continue;
      expect(DOMAIN_SCOPED[path], `${path} takes ${unchecked.join(", ")} without declaring a target`).toBeTypeOf(
        "string",
      );
    }
  });

  it("the actors' principals are what their declared roles say", () => {
    for (const { spec, principal } of actors) {
      if (spec.kind === "anonymous" || spec.removed) {
        expect(principal, spec.name).toBeNull();
        continue;
      }
      expect(principal, spec.name).not.toBeNull();
      for (const team of [teamA1, teamA2]) {
        const held = new Set([...(principal?.everywhere ?? []), ...(principal?.perTeam.get(team) ?? [])]);
        expect([...held].sort(), `${spec.name} in ${team}`).toEqual([...declaredPermissions(spec, team)].sort());
      }
    }
  });

  it("decides every procedure x actor x object exactly as the role table says (zero unexpected allows)", async () => {
    const mismatches: string[] = [];
    let cells = 0;
    let allows = 0;
    for (const [path, procedure] of procedures) {
      const meta = procedure._def.meta ?? {};
      for (const { spec, principal } of actors) {
        for (const setName of Object.keys(sets) as Array<keyof typeof sets>) {
          const input = inputFor(meta.targets ?? [], sets[setName]);
          const want = expected(spec, meta.permission as Permission, meta.targets ?? [], setName);
          const got = await actual(principal, meta, input);
          cells += 1;
          if (got === "allow") allows += 1;
          if (got !== want) mismatches.push(`${path} as ${spec.name} on ${setName}: expected ${want}, got ${got}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // The matrix is not vacuous: both allows and refusals happen.
    expect(allows).toBeGreaterThan(50);
    expect(cells - allows).toBeGreaterThan(500);
  });

  it("answers the same over HTTP for every query, and a forbidden object exactly like a missing one", async () => {
    const mismatches: string[] = [];
    for (const [path, procedure] of procedures) {
      if (procedure._def.type !== "query") continue;
      const meta = procedure._def.meta ?? {};
      for (const { spec, headers } of actors) {
        for (const setName of Object.keys(sets) as Array<keyof typeof sets>) {
          const input = inputFor(meta.targets ?? [], sets[setName]);
          const want = expected(spec, meta.permission as Permission, meta.targets ?? [], setName);
          const qs = Object.keys(input).length ? `?input=${encodeURIComponent(JSON.stringify(input))}` : "";
          const res = await fetch(`${t.url}/api/trpc/${path}${qs}`, { headers });
          const body = (await res.json()) as { error?: { message: string; data: { code: string; denied?: boolean } } };
          const denied = body.error?.data.denied === true;
          const got: Outcome = denied ? (body.error?.data.code as Outcome) : "allow";
          if (got !== want) mismatches.push(`${path} as ${spec.name} on ${setName}: expected ${want}, got ${got}`);
          if (got === "NOT_FOUND" && body.error?.message !== NOT_FOUND_MESSAGE) {
            mismatches.push(`${path} as ${spec.name} on ${setName}: NOT_FOUND said "${body.error?.message}"`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it("never lets a token hold more than its scope, whatever its owner holds", () => {
    const token = actors.find((a) => a.spec.kind === "token")?.principal;
    expect(token).toBeTruthy();
    const held = new Set([
      ...(token?.everywhere ?? []),
      ...[...(token?.perTeam.values() ?? [])].flatMap((s) => [...s]),
    ]);
    for (const p of ALL_ROLE_PERMISSIONS) if (!TOKEN_SCOPE.includes(p)) expect(held.has(p), p).toBe(false);
  });
});
