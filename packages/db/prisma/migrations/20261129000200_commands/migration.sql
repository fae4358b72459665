-- CreateEnum
CREATE TYPE "CommandState" AS ENUM ('pending', 'sent', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled');

-- CreateTable
CREATE TABLE "commands" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "host_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT,
    "state" "CommandState" NOT NULL DEFAULT 'pending',
    "progress" DOUBLE PRECISION,
    "last_message" TEXT,
    "result" JSONB,
    "error" JSONB,
    "deadline" TIMESTAMP(3) NOT NULL,
    "requested_by_id" TEXT,
    "cancel_requested_at" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "event_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "commands_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "command_events" (
    "id" BIGSERIAL NOT NULL,
    "command_id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "state" "CommandState",
    "progress" DOUBLE PRECISION,
    "message" TEXT,
    "data" JSONB,

    CONSTRAINT "command_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "blobs" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "content_type" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "blobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "commands_host_id_state_created_at_idx" ON "commands"("host_id", "state", "created_at");

-- CreateIndex
CREATE INDEX "commands_org_id_created_at_idx" ON "commands"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "commands_state_deadline_idx" ON "commands"("state", "deadline");

-- CreateIndex
CREATE UNIQUE INDEX "commands_org_id_idempotency_key_key" ON "commands"("org_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "command_events_command_id_id_idx" ON "command_events"("command_id", "id");

-- CreateIndex
CREATE INDEX "blobs_org_id_created_at_idx" ON "blobs"("org_id", "created_at");

-- CreateIndex
CREATE INDEX "blobs_expires_at_idx" ON "blobs"("expires_at");

-- AddForeignKey
ALTER TABLE "commands" ADD CONSTRAINT "commands_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "commands" ADD CONSTRAINT "commands_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "commands" ADD CONSTRAINT "commands_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "command_events" ADD CONSTRAINT "command_events_command_id_fkey" FOREIGN KEY ("command_id") REFERENCES "commands"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "blobs" ADD CONSTRAINT "blobs_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

