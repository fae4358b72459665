// Demo data for a fresh install: one organisation with a "Default" team and an owner who can
// log in. Safe to run on every start: what exists is left as it is (an existing user keeps
// their password), and the ids are returned either way.
import type { PrismaClient } from "./client.js";
import { hashPassword } from "./passwords.js";

export interface SeedDemoOptions {
  email: string;
  password: string;
  /** Default "Demo"; the slug is derived from it ("Demo" -> "demo"). */
  orgName?: string;
  userName?: string;
}

export interface SeedDemoResult {
  orgId: string;
  teamId: string;
  userId: string;
  /** false when the user already existed (their password was not touched). */
  userCreated: boolean;
}

export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "org"
  );
}

export async function seedDemo(prisma: PrismaClient, options: SeedDemoOptions): Promise<SeedDemoResult> {
  const orgName = options.orgName ?? "Demo";
  const slug = slugify(orgName);
  // Emails are stored lower-cased; log-in must look them up the same way.
  const email = options.email.trim().toLowerCase();

  // upsert with an empty update: "create unless it exists", race-free on the unique key.
  const org = await prisma.organization.upsert({ where: { slug }, update: {}, create: { name: orgName, slug } });
  const team = await prisma.team.upsert({
    where: { orgId_name: { orgId: org.id, name: "Default" } },
    update: {},
    create: { orgId: org.id, name: "Default" },
  });
  let user = await prisma.user.findUnique({ where: { email } });
  const userCreated = user === null;
  if (user === null) {
    const passwordHash = await hashPassword(options.password); // only when needed: hashing is deliberately slow
    user = await prisma.user.upsert({
      where: { email },
      update: {},
      create: { email, name: options.userName ?? email.split("@")[0] ?? email, passwordHash },
    });
  }
  await prisma.orgMember.upsert({
    where: { orgId_userId: { orgId: org.id, userId: user.id } },
    update: {},
    create: { orgId: org.id, userId: user.id, role: "owner" },
  });
  return { orgId: org.id, teamId: team.id, userId: user.id, userCreated };
}
