/** A throw-away real PostgreSQL for one system-test file, migrated and seeded with an org. */
import { createPrisma, seedDemo } from "@flotilla/db";
import { startTestDatabase } from "@flotilla/db/testing";

export { freePort } from "@flotilla/db/testing";

export async function startSeededDatabase() {
  const db = await startTestDatabase();
  const prisma = createPrisma(db.url);
  const email = `owner-${Date.now()}@example.test`;
  const password = "correct horse battery";
  const demo = await seedDemo(prisma, { email, password, orgName: "Test" });
  return {
    ...db,
    prisma,
    demo,
    email,
    password,
    async stop() {
      await prisma.$disconnect();
      await db.stop();
    },
  };
}

export type SeededDatabase = Awaited<ReturnType<typeof startSeededDatabase>>;
