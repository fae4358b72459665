-- CreateEnum
CREATE TYPE "PlanState" AS ENUM ('draft', 'approved', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "plans" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "state" "PlanState" NOT NULL DEFAULT 'draft',
    "scope" JSONB NOT NULL,
    "options" JSONB NOT NULL,
    "input" JSONB NOT NULL,
    "output" JSONB NOT NULL,
    "execution" JSONB NOT NULL DEFAULT '[]',
    "concurrency" INTEGER NOT NULL DEFAULT 2,
    "error" TEXT,
    "created_by_id" TEXT,
    "approved_by_id" TEXT,
    "approved_at" TIMESTAMP(3),
    "cancel_requested_at" TIMESTAMP(3),
    "claimed_by" TEXT,
    "claimed_until" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "plans_org_id_created_at_idx" ON "plans"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "plans_state_idx" ON "plans"("state");

-- AddForeignKey
ALTER TABLE "plans" ADD CONSTRAINT "plans_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
