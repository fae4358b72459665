-- CreateEnum
CREATE TYPE "MigrationKind" AS ENUM ('live', 'cold');

-- CreateEnum
CREATE TYPE "EvacuationState" AS ENUM ('planning', 'running', 'succeeded', 'failed', 'cancelled');

-- AlterTable
ALTER TABLE "migrations" ADD COLUMN     "container_config" JSONB,
ADD COLUMN     "evacuation_id" TEXT,
ADD COLUMN     "kind" "MigrationKind" NOT NULL DEFAULT 'live',
ADD COLUMN     "step_command_ids" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "target_external_id" TEXT,
ADD COLUMN     "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[],
ALTER COLUMN "storage" DROP NOT NULL,
ALTER COLUMN "listen_host" DROP NOT NULL;

-- CreateTable
CREATE TABLE "evacuations" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "host_id" TEXT NOT NULL,
    "state" "EvacuationState" NOT NULL DEFAULT 'planning',
    "concurrency" INTEGER NOT NULL DEFAULT 2,
    "moves" JSONB NOT NULL DEFAULT '[]',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "error" TEXT,
    "requested_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "evacuations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "evacuations_org_id_created_at_idx" ON "evacuations"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "evacuations_host_id_created_at_idx" ON "evacuations"("host_id", "created_at");

-- AddForeignKey
ALTER TABLE "evacuations" ADD CONSTRAINT "evacuations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evacuations" ADD CONSTRAINT "evacuations_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
