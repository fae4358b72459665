/** Reading the audit log: filters (actor, action, target, time range), newest first, cursor pages. */
import type { PrismaClient } from "../services.js";

export interface AuditFilter {
  /** "user:<id>", "token:<id>", "agent:<id>", "system", or a bare user id. */
  actor?: string;
  /** An action or its prefix ("plan." matches "plan.approved"). */
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
}

export function auditWhere(orgId: string, f: AuditFilter) {
  return {
    orgId,
    ...(f.actor ? { OR: [{ actor: f.actor }, { actorId: f.actor }] } : {}),
    ...(f.action ? { action: { startsWith: f.action } } : {}),
    ...(f.target ? { target: f.target } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
  };
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  /** The acting user's name and email (for a token: its maker's), when known. */
  actorName: string | null;
  actorEmail: string | null;
  action: string;
  target: string | null;
  /** A readable name for the target (a host's, team's or user's name), when it still exists. */
  targetLabel: string | null;
  ip: string | null;
  data: unknown;
}

/** One page; `cursor` is the last id of the previous page. */
export async function listAudit(
  prisma: PrismaClient,
  orgId: string,
  filter: AuditFilter & { cursor?: string; limit: number },
): Promise<{ items: AuditRow[]; nextCursor: string | null }> {
  const cursor = filter.cursor && /^\d{1,19}$/.test(filter.cursor) ? BigInt(filter.cursor) : null;
  const rows = await prisma.auditEntry.findMany({
    where: { ...auditWhere(orgId, filter), ...(cursor !== null ? { id: { lt: cursor } } : {}) },
    orderBy: { id: "desc" },
    take: filter.limit + 1,
  });
  const page = rows.slice(0, filter.limit);
  const [names, labels] = await Promise.all([
    actorNames(
      prisma,
      page.map((r) => r.actorId),
    ),
    targetLabels(
      prisma,
      orgId,
      page.map((r) => r.target),
    ),
  ]);
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.at,
      actor: r.actor,
      actorName: r.actorId ? (names.get(r.actorId)?.name ?? null) : null,
      actorEmail: r.actorId ? (names.get(r.actorId)?.email ?? null) : null,
      action: r.action,
      target: r.target,
      targetLabel: r.target ? (labels.get(r.target) ?? null) : null,
      ip: r.ip,
      data: r.data,
    })),
    nextCursor: rows.length > filter.limit ? (page.at(-1)?.id.toString() ?? null) : null,
  };
}

async function actorNames(
  prisma: PrismaClient,
  ids: (string | null)[],
): Promise<Map<string, { name: string; email: string }>> {
  const unique = [...new Set(ids.filter((id): id is string => !!id))];
  if (unique.length === 0) return new Map();
  const users = await prisma.user.findMany({
    where: { id: { in: unique } },
    select: { id: true, email: true, name: true },
  });
  return new Map(users.map((u) => [u.id, { name: u.name, email: u.email }]));
}

/** Names for `host:<id>`, `team:<id>` and `user:<id>` targets of the organisation. */
async function targetLabels(
  prisma: PrismaClient,
  orgId: string,
  targets: (string | null)[],
): Promise<Map<string, string>> {
  const idsOf = (kind: string) => [
    ...new Set(targets.filter((t): t is string => !!t?.startsWith(`${kind}:`)).map((t) => t.slice(kind.length + 1))),
  ];
  const [hosts, teams, users] = await Promise.all([
    prisma.host.findMany({ where: { orgId, id: { in: idsOf("host") } }, select: { id: true, name: true } }),
    prisma.team.findMany({ where: { orgId, id: { in: idsOf("team") } }, select: { id: true, name: true } }),
    prisma.user.findMany({
      where: { id: { in: idsOf("user") }, memberships: { some: { orgId } } },
      select: { id: true, name: true },
    }),
  ]);
  return new Map([
    ...hosts.map((h) => [`host:${h.id}`, h.name] as const),
    ...teams.map((t) => [`team:${t.id}`, t.name] as const),
    ...users.map((u) => [`user:${u.id}`, u.name] as const),
  ]);
}

/** CSV of the filtered log (RFC 4180 quoting; formula-looking cells prefixed so spreadsheets do not run them). */
export async function* auditCsv(prisma: PrismaClient, orgId: string, filter: AuditFilter): AsyncGenerator<string> {
  yield "id,at,actor,actor_name,actor_email,action,target,target_label,ip,data\r\n";
  let cursor: string | undefined;
  for (;;) {
    const { items, nextCursor } = await listAudit(prisma, orgId, { ...filter, cursor, limit: 500 });
    for (const r of items) {
      const cells = [
        r.id,
        r.at.toISOString(),
        r.actor,
        r.actorName ?? "",
        r.actorEmail ?? "",
        r.action,
        r.target ?? "",
        r.targetLabel ?? "",
        r.ip ?? "",
        r.data === null || r.data === undefined ? "" : JSON.stringify(r.data),
      ];
      yield `${cells.map(csvCell).join(",")}\r\n`;
    }
    if (!nextCursor) return;
    cursor = nextCursor;
  }
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
