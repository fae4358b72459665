// `pnpm --filter @flotilla/db run db:migrate`: applies pending migrations to DATABASE_URL.
import { z } from "zod";
import { applyMigrations } from "../migrate.js";

const env = z.object({ DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//) }).safeParse(process.env);
if (!env.success) {
  console.error("db:migrate: DATABASE_URL must be set to a postgresql:// URL");
  process.exit(2);
}

const started = Date.now();
try {
  const result = await applyMigrations(env.data.DATABASE_URL, (message) => console.log(message));
  console.log(
    `db:migrate: ${result.applied.length} applied, ${result.alreadyApplied} already applied (${Date.now() - started} ms)`,
  );
} catch (error) {
  console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
