-- CreateEnum
CREATE TYPE "MigrationState" AS ENUM ('pending', 'preparing', 'migrating', 'completing', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "MigrationStorage" AS ENUM ('shared', 'copy');

-- CreateTable
CREATE TABLE "migrations" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "workload_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "source_host_id" TEXT NOT NULL,
    "target_host_id" TEXT NOT NULL,
    "storage" "MigrationStorage" NOT NULL,
    "listen_host" TEXT NOT NULL,
    "max_bandwidth" BIGINT,
    "state" "MigrationState" NOT NULL DEFAULT 'pending',
    "phase" TEXT,
    "progress" DOUBLE PRECISION,
    "transferred_bytes" BIGINT,
    "remaining_bytes" BIGINT,
    "total_bytes" BIGINT,
    "mbps" DOUBLE PRECISION,
    "expected_downtime_ms" DOUBLE PRECISION,
    "downtime_ms" DOUBLE PRECISION,
    "total_time_ms" DOUBLE PRECISION,
    "disk_bytes" BIGINT,
    "error" TEXT,
    "source_command_id" TEXT,
    "prepare_command_id" TEXT,
    "migrate_command_id" TEXT,
    "await_command_id" TEXT,
    "abort_command_id" TEXT,
    "requested_by_id" TEXT,
    "cancel_requested_at" TIMESTAMP(3),
    "api_called_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "migrate_issued_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "migrations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workload_leases" (
    "workload_id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "acquired_by" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "workload_leases_pkey" PRIMARY KEY ("workload_id")
);

-- CreateIndex
CREATE INDEX "migrations_org_id_api_called_at_idx" ON "migrations"("org_id", "api_called_at");

-- CreateIndex
CREATE INDEX "migrations_workload_id_api_called_at_idx" ON "migrations"("workload_id", "api_called_at");

-- CreateIndex
CREATE INDEX "migrations_state_idx" ON "migrations"("state");

-- AddForeignKey
ALTER TABLE "migrations" ADD CONSTRAINT "migrations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migrations" ADD CONSTRAINT "migrations_workload_id_fkey" FOREIGN KEY ("workload_id") REFERENCES "workloads"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migrations" ADD CONSTRAINT "migrations_source_host_id_fkey" FOREIGN KEY ("source_host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migrations" ADD CONSTRAINT "migrations_target_host_id_fkey" FOREIGN KEY ("target_host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migrations" ADD CONSTRAINT "migrations_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workload_leases" ADD CONSTRAINT "workload_leases_workload_id_fkey" FOREIGN KEY ("workload_id") REFERENCES "workloads"("id") ON DELETE CASCADE ON UPDATE CASCADE;
