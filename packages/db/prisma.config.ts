// Prisma 7 reads its CLI settings here instead of from schema.prisma. `generate` needs only the
// schema; the datasource matters to the plain Prisma CLI (`prisma migrate deploy`) on machines
// that can download Prisma's native schema engine. This repo applies migrations with
// src/migrate.ts instead (see the comment there).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // process.env rather than prisma's env(): env() throws when unset, and generate needs no URL.
  datasource: { url: process.env.DATABASE_URL },
});
