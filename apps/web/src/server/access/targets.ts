/**
 * What a procedure acts on, found from its input: the organisation and team(s) an object
 * belongs to. A host belongs to a team; its workloads, commands, migrations and evacuations
 * follow the host. A plan belongs to the team it is scoped to, or to every team it touches.
 * Alert rules, alerts, silences and webhook endpoints belong to their team; one without a team
 * is organisation-wide and so belongs to every team (only a caller holding the permission in all
 * of them, i.e. org-wide, may act on it).
 */
import type { PrismaClient } from "../services.js";

export const TARGET_KINDS = [
  "host",
  "workload",
  "command",
  "migration",
  "evacuation",
  "deployment",
  "stack",
  "plan",
  "planScope",
  "team",
  "registryCredential",
  "invitation",
  "apiToken",
  "hostList",
  "alertRule",
  "alertInstance",
  "alertSilence",
  "webhookEndpoint",
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** A procedure's target: the input field holding the id, and what kind of object it names. */
export interface TargetSpec {
  kind: TargetKind;
  /** Input field (dotted for nested). */
  field: string;
  /**
   * When the field is absent: "skip" (nothing to check, e.g. an optional filter) or "everyTeam"
   * (the domain picks a team itself, so the caller must hold the permission in all of them).
   */
  whenAbsent?: "skip" | "everyTeam";
}

/** The organisation and teams an object belongs to; `teamIds` empty means organisation-level. */
export interface ResolvedTarget {
  orgId: string;
  teamIds: string[];
}

type Resolver = (prisma: PrismaClient, id: unknown) => Promise<ResolvedTarget | null>;

const asId = (value: unknown) => (typeof value === "string" && value.length > 0 && value.length <= 200 ? value : null);

function byHost(row: { orgId: string; host: { teamId: string } } | null): ResolvedTarget | null {
  return row ? { orgId: row.orgId, teamIds: [row.host.teamId] } : null;
}

async function teamsOfOrg(prisma: PrismaClient, orgId: string): Promise<ResolvedTarget> {
  const teams = await prisma.team.findMany({ where: { orgId }, select: { id: true } });
  // An organisation without teams: nobody but the owner may act org-wide.
  return { orgId, teamIds: teams.length ? teams.map((t) => t.id) : ["(no team)"] };
}

/** A row with an optional team: its team, or every team of the organisation when it has none. */
async function ownTeamOrOrgWide(
  prisma: PrismaClient,
  row: { orgId: string; teamId: string | null } | null,
): Promise<ResolvedTarget | null> {
  if (!row) return null;
  return row.teamId ? { orgId: row.orgId, teamIds: [row.teamId] } : teamsOfOrg(prisma, row.orgId);
}

/** Several hosts at once: the teams of all of them; null if any is missing or in another organisation. */
async function resolveHostList(prisma: PrismaClient, value: unknown): Promise<ResolvedTarget | null> {
  if (!Array.isArray(value) || value.length === 0) return null;
  const ids = value.map(asId);
  if (ids.some((id) => id === null)) return null;
  const unique = [...new Set(ids as string[])];
  const hosts = await prisma.host.findMany({ where: { id: { in: unique } }, select: { orgId: true, teamId: true } });
  const orgs = new Set(hosts.map((h) => h.orgId));
  if (hosts.length !== unique.length || orgs.size !== 1) return null;
  return { orgId: hosts[0]?.orgId ?? "", teamIds: [...new Set(hosts.map((h) => h.teamId))] };
}

async function resolveScope(prisma: PrismaClient, orgId: string, scope: unknown): Promise<ResolvedTarget | null> {
  if (scope && typeof scope === "object" && "teamId" in scope) {
    const teamId = asId(scope.teamId);
    const team = teamId ? await prisma.team.findUnique({ where: { id: teamId }, select: { orgId: true } }) : null;
    return team && team.orgId === orgId && teamId ? { orgId, teamIds: [teamId] } : null;
  }
  if (scope && typeof scope === "object" && "hostIds" in scope && Array.isArray(scope.hostIds)) {
    const ids = scope.hostIds.map(asId).filter((id): id is string => id !== null);
    const hosts = await prisma.host.findMany({ where: { id: { in: ids }, orgId }, select: { teamId: true } });
    if (hosts.length !== new Set(ids).size) return null;
    return { orgId, teamIds: [...new Set(hosts.map((h) => h.teamId))] };
  }
  return teamsOfOrg(prisma, orgId);
}

const RESOLVERS: Record<Exclude<TargetKind, "planScope" | "hostList">, Resolver> = {
  async host(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.host.findUnique({ where: { id: key }, select: { orgId: true, teamId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: [row.teamId] } : null;
  },
  async workload(prisma, id) {
    const key = asId(id);
    if (!key) return null;
    const row = await prisma.workload.findUnique({
      where: { id: key },
      select: { host: { select: { orgId: true, teamId: true } } },
    });
    return row ? { orgId: row.host.orgId, teamIds: [row.host.teamId] } : null;
  },
  async command(prisma, id) {
    const key = asId(id);
    return byHost(
      key
        ? await prisma.command.findUnique({
            where: { id: key },
            select: { orgId: true, host: { select: { teamId: true } } },
          })
        : null,
    );
  },
  async migration(prisma, id) {
    const key = asId(id);
    if (!key) return null;
    const row = await prisma.migration.findUnique({
      where: { id: key },
      select: { orgId: true, sourceHost: { select: { teamId: true } }, targetHost: { select: { teamId: true } } },
    });
    return row ? { orgId: row.orgId, teamIds: [...new Set([row.sourceHost.teamId, row.targetHost.teamId])] } : null;
  },
  async evacuation(prisma, id) {
    const key = asId(id);
    return byHost(
      key
        ? await prisma.evacuation.findUnique({
            where: { id: key },
            select: { orgId: true, host: { select: { teamId: true } } },
          })
        : null,
    );
  },
  async deployment(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.deployment.findUnique({ where: { id: key }, select: { orgId: true, teamId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: [row.teamId] } : null;
  },
  async stack(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.stack.findUnique({ where: { id: key }, select: { orgId: true, teamId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: [row.teamId] } : null;
  },
  async plan(prisma, id) {
    const key = asId(id);
    const row = key ? await prisma.plan.findUnique({ where: { id: key }, select: { orgId: true, scope: true } }) : null;
    return row ? resolveScope(prisma, row.orgId, row.scope) : null;
  },
  async team(prisma, id) {
    const key = asId(id);
    const row = key ? await prisma.team.findUnique({ where: { id: key }, select: { orgId: true } }) : null;
    return row && key ? { orgId: row.orgId, teamIds: [key] } : null;
  },
  async registryCredential(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.registryCredential.findUnique({ where: { id: key }, select: { orgId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: [] } : null;
  },
  async invitation(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.invitation.findUnique({ where: { id: key }, select: { orgId: true, teamId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: [row.teamId] } : null;
  },
  async apiToken(prisma, id) {
    const key = asId(id);
    const row = key
      ? await prisma.apiToken.findUnique({ where: { id: key }, select: { orgId: true, teamId: true } })
      : null;
    return row ? { orgId: row.orgId, teamIds: row.teamId ? [row.teamId] : [] } : null;
  },
  async alertRule(prisma, id) {
    const key = asId(id);
    const select = { orgId: true, teamId: true } as const;
    return ownTeamOrOrgWide(prisma, key ? await prisma.alertRule.findUnique({ where: { id: key }, select }) : null);
  },
  async alertInstance(prisma, id) {
    const key = asId(id);
    const select = { orgId: true, teamId: true } as const;
    return ownTeamOrOrgWide(prisma, key ? await prisma.alertInstance.findUnique({ where: { id: key }, select }) : null);
  },
  async alertSilence(prisma, id) {
    const key = asId(id);
    const select = { orgId: true, teamId: true } as const;
    return ownTeamOrOrgWide(prisma, key ? await prisma.alertSilence.findUnique({ where: { id: key }, select }) : null);
  },
  async webhookEndpoint(prisma, id) {
    const key = asId(id);
    const select = { orgId: true, teamId: true } as const;
    return ownTeamOrOrgWide(
      prisma,
      key ? await prisma.webhookEndpoint.findUnique({ where: { id: key }, select }) : null,
    );
  },
};

/** Where `spec` points in `input`: the object's organisation and teams, or null if there is no such object. */
export async function resolveTarget(
  prisma: PrismaClient,
  orgId: string,
  spec: TargetSpec,
  value: unknown,
): Promise<ResolvedTarget | null> {
  if (spec.kind === "planScope") return resolveScope(prisma, orgId, value);
  if (spec.kind === "hostList") return resolveHostList(prisma, value);
  return RESOLVERS[spec.kind](prisma, value);
}

export async function everyTeamOf(prisma: PrismaClient, orgId: string): Promise<ResolvedTarget> {
  return teamsOfOrg(prisma, orgId);
}

/** Reads a dotted field from raw input. */
export function fieldOf(input: unknown, field: string): unknown {
  let value: unknown = input;
  for (const part of field.split(".")) {
    if (!value || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
