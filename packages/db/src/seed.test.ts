import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "./client.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { seedDemo, slugify } from "./seed.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await startTestDatabase();
  prisma = createPrisma(db.url);
}, 60_000);
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.stop();
});

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const started = Date.now();
    const hash = await hashPassword("correct horse battery staple");
    console.log(`argon2id hash: ${Date.now() - started} ms`);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(hash, "Correct horse battery staple")).toBe(false);
    expect(await verifyPassword("not a hash", "anything")).toBe(false);
  });
});

describe("seedDemo", () => {
  it("creates the demo organisation, team and owner once, and leaves them alone afterwards", async () => {
    const first = await seedDemo(prisma, { email: "Owner@Example.com", password: "first-password" });
    expect(first.userCreated).toBe(true);

    const org = await prisma.organization.findUniqueOrThrow({
      where: { slug: "demo" },
      include: { teams: true, members: { include: { user: true } } },
    });
    expect(org.name).toBe("Demo");
    expect(org.teams.map((t) => t.name)).toEqual(["Default"]);
    expect(org.members).toHaveLength(1);
    expect(org.members[0]?.role).toBe("owner");
    expect(org.members[0]?.user.email).toBe("owner@example.com");
    const hash = org.members[0]?.user.passwordHash ?? "";
    expect(await verifyPassword(hash, "first-password")).toBe(true);

    const second = await seedDemo(prisma, { email: "owner@example.com", password: "other-password" });
    expect(second).toEqual({ ...first, userCreated: false });
    const user = await prisma.user.findUniqueOrThrow({ where: { email: "owner@example.com" } });
    expect(user.passwordHash).toBe(hash); // an existing password is never overwritten
    expect(await prisma.organization.count()).toBe(1);
    expect(await prisma.team.count()).toBe(1);
    expect(await prisma.orgMember.count()).toBe(1);
  });

  it("derives the slug from the organisation name", () => {
    expect(slugify("Demo")).toBe("demo");
    expect(slugify("  ACME Cloud, Inc. ")).toBe("acme-cloud-inc");
    expect(slugify("!!!")).toBe("org");
  });
});
