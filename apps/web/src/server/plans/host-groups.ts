/**
 * Host groups: a name an operator gives hosts (racks, sites, hardware generations) so a
 * consolidation plan can be scoped to one group. Kept in hosts.host_group; scoped to the
 * caller's organisation (another org's host is NOT_FOUND).
 */
import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";

type ReadContext = Pick<CommandContext, "prisma" | "actor">;

export interface HostGroupView {
  group: string;
  hosts: number;
  online: number;
}

/**
 * Every group in the organisation with its host counts, by name; the teams (team scope); the hosts.
 * `teams` limits all three to the teams the caller may read ("all": the whole organisation).
 */
export async function listScopes(ctx: ReadContext, teams: "all" | string[] = "all") {
  const inTeams = teams === "all" ? {} : { teamId: { in: teams } };
  const rows = await ctx.prisma.host.groupBy({
    by: ["group", "status"],
    where: { orgId: ctx.actor.orgId, ...inTeams, group: { not: null } },
    _count: { _all: true },
  });
  const groups = new Map<string, HostGroupView>();
  for (const r of rows) {
    if (r.group === null) continue;
    const g = groups.get(r.group) ?? { group: r.group, hosts: 0, online: 0 };
    g.hosts += r._count._all;
    if (r.status === "online" || r.status === "maintenance") g.online += r._count._all;
    groups.set(r.group, g);
  }
  const teamRows = await ctx.prisma.team.findMany({
    where: { orgId: ctx.actor.orgId, ...(teams === "all" ? {} : { id: { in: teams } }) },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  // Every host with its group, for the form that assigns them (fleets of thousands stay small as JSON).
  const hosts = await ctx.prisma.host.findMany({
    where: { orgId: ctx.actor.orgId, ...inTeams },
    select: { id: true, name: true, group: true, status: true },
    orderBy: { name: "asc" },
    take: 5000,
  });
  return { groups: [...groups.values()].sort((a, b) => a.group.localeCompare(b.group)), teams: teamRows, hosts };
}

/** Puts hosts in a group (null: in none). All hosts must be the caller's, or nothing changes. */
export async function setHostGroup(ctx: CommandContext, hostIds: string[], group: string | null) {
  const ids = [...new Set(hostIds)];
  const found = await ctx.prisma.host.count({ where: { orgId: ctx.actor.orgId, id: { in: ids } } });
  if (found < ids.length) throw new AppError("not_found", "No such host.");
  const { count } = await ctx.prisma.host.updateMany({
    where: { orgId: ctx.actor.orgId, id: { in: ids } },
    data: { group },
  });
  await ctx.prisma.auditEntry.create({
    data: {
      orgId: ctx.actor.orgId,
      actorId: ctx.actor.userId,
      actor: ctx.actor.userId ? `user:${ctx.actor.userId}` : "system",
      action: "host.group.set",
      target: `hosts:${ids.length}`,
      ip: ctx.actor.ip,
      data: { hostIds: ids, group },
    },
  });
  return { updated: count, group };
}
