// Runs `prisma generate` for @flotilla/db (the bootstrap calls `pnpm --filter @flotilla/db run generate`).
// Prisma 7 insists on locating its native schema engine even though generate never runs it; that
// binary is downloaded from Prisma's own host, which this machine cannot reach. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies the check. Never reuse this
// variable for `prisma migrate`: migrate then "succeeds" while doing nothing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const prismaCli = createRequire(join(packageDir, "package.json")).resolve("prisma/build/index.js");
const placeholderEngine = existsSync("/bin/true") ? "/bin/true" : process.execPath;

const started = Date.now();
const result = spawnSync(process.execPath, [prismaCli, "generate", ...process.argv.slice(2)], {
  cwd: packageDir,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || placeholderEngine,
    // No update check or telemetry: only the npm registry is reachable, and CI must not wait on it.
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
if (result.error) throw result.error;
if (result.status === 0) console.log(`prisma generate finished in ${Date.now() - started} ms`);
process.exit(result.status ?? 1);
