// `pnpm --filter @flotilla/db run db:seed`: creates the demo organisation and its owner if missing.
// Without SEED_PASSWORD a random password is generated and printed once, when the user is created.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { createPrisma } from "../client.js";
import { seedDemo } from "../seed.js";

const parsed = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
    SEED_EMAIL: z.string().email().default("admin@flotilla.local"),
    SEED_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    SEED_ORG_NAME: z.string().min(1).default("Demo"),
  })
  .safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`db:seed: ${issue.path.join(".")} ${issue.message}`);
  process.exit(2);
}
const env = parsed.data;

const password = env.SEED_PASSWORD ?? randomBytes(12).toString("base64url");
const prisma = createPrisma(env.DATABASE_URL);
try {
  const result = await seedDemo(prisma, { email: env.SEED_EMAIL, password, orgName: env.SEED_ORG_NAME });
  console.log(`db:seed: organisation ${result.orgId}, team ${result.teamId}, user ${result.userId}`);
  if (result.userCreated) {
    console.log(`db:seed: created ${env.SEED_EMAIL}${env.SEED_PASSWORD ? "" : ` with password ${password}`}`);
  } else {
    console.log(`db:seed: ${env.SEED_EMAIL} already existed; its password is unchanged`);
  }
} catch (error) {
  console.error(`db:seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await prisma.$disconnect();
}
