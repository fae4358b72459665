// @flotilla/db: the Prisma client and schema types, SQL migrations and their runner, the
// metrics sample store (raw SQL), the embedded PostgreSQL, demo seed and password hashing.
export * from "./client.js";
export * from "./embedded.js";
export * from "./migrate.js";
export * from "./passwords.js";
export * from "./sample-history.js";
export * from "./sample-partitions.js";
export * from "./sample-percentiles.js";
export * from "./sample-queries.js";
export * from "./sample-rollups.js";
export * from "./sample-writer.js";
export * from "./samples.js";
export * from "./seed.js";
