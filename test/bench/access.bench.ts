// What access control costs per request, on a real PostgreSQL and the real server:
// the access decision alone (principal already loaded), and whole tRPC/REST calls as a
// team member with a session cookie, with an API token, and as the owner; plus the host
// list of a fleet of 500 hosts in 5 teams, seen by the owner and by a one-team member.
// Writes test/bench/results/access.json; never passes or fails on time.
// Run: npx tsx test/bench/access.bench.ts
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { authorize } from "../../apps/web/src/server/access/authorize.js";
import { memberWithSession } from "../../apps/web/src/server/access/matrix-fixtures.js";
import { findSession } from "../../apps/web/src/server/auth/sessions.js";
import { startTestServer } from "../../apps/web/src/server/testing/test-server.js";
import { createApiToken } from "../../apps/web/src/server/tokens/api-tokens.js";
import { appRouter } from "../../apps/web/src/server/trpc/router.js";
import { ROOT } from "../support/processes.js";

const OUT = join(ROOT, "test/bench/results/access.json");
const HOSTS = 500;
const TEAMS = 5;

function summarise(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { n: sorted.length, p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(at(1)) };
}

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(); // warm up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

async function main() {
  const t = await startTestServer({ LOG_LEVEL: "silent" });
  try {
    const { prisma } = t;
    const teams = [t.owner.teamId];
    for (let i = 1; i < TEAMS; i++)
      teams.push((await prisma.team.create({ data: { orgId: t.owner.orgId, name: `T${i}` } })).id);
    await prisma.host.createMany({
      data: Array.from({ length: HOSTS }, (_, i) => ({
        orgId: t.owner.orgId,
        teamId: teams[i % TEAMS] as string,
        machineId: `bench-${i}`,
        name: `host-${i}`,
      })),
    });
    const hostInTeam = await prisma.host.findFirstOrThrow({ where: { teamId: teams[0] } });
    const member = await memberWithSession(prisma, t.owner.orgId, {
      label: "bench",
      teamRoles: { [teams[0] as string]: "operator" },
    });
    const owner = await memberWithSession(prisma, t.owner.orgId, { label: "bench-owner", orgRole: "owner" });
    const limits = { ttlMs: 3_600_000, idleMs: 3_600_000 };
    const principal = await findSession(prisma, member.cookieToken, limits);
    if (!principal) throw new Error("no principal");
    const token = (await createApiToken(prisma, principal, { name: "bench", permissions: ["fleet.read"], ttlDays: 1 }))
      .token;

    const meta = (
      appRouter._def.procedures as unknown as Record<string, { _def: { meta: { permission: never; targets: never } } }>
    )["commands.request"]?._def.meta;
    if (!meta) throw new Error("no commands.request");
    const cookie = (c: string) => ({ cookie: `flotilla_session=${c}` });
    const get = (path: string, headers: Record<string, string>) => async () => {
      const res = await fetch(`${t.url}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      await res.arrayBuffer();
    };
    const hostInput = encodeURIComponent(JSON.stringify({ id: hostInTeam.id }));

    const results = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      hosts: HOSTS,
      teams: TEAMS,
      cases: {
        loadPrincipalFromSession: summarise(await time(500, () => findSession(prisma, member.cookieToken, limits))),
        authorizeCommandOnHost: summarise(
          await time(500, () => authorize(prisma, principal, meta.permission, meta.targets, { hostId: hostInTeam.id })),
        ),
        trpcFleetHostAsMemberCookie: summarise(
          await time(300, get(`/api/trpc/fleet.host?input=${hostInput}`, cookie(member.cookieToken))),
        ),
        trpcFleetHostAsToken: summarise(
          await time(300, get(`/api/trpc/fleet.host?input=${hostInput}`, { authorization: `Bearer ${token}` })),
        ),
        restHostAsToken: summarise(
          await time(300, get(`/api/v1/hosts/${hostInTeam.id}`, { authorization: `Bearer ${token}` })),
        ),
        trpcFleetHostsAsOwner500: summarise(await time(50, get("/api/trpc/fleet.hosts", cookie(owner.cookieToken)))),
        trpcFleetHostsAsOneTeamMember500: summarise(
          await time(50, get("/api/trpc/fleet.hosts", cookie(member.cookieToken))),
        ),
        healthzBaseline: summarise(await time(300, get("/healthz", {}))),
      },
    };
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
