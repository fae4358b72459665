-- CreateEnum
CREATE TYPE "DeploymentState" AS ENUM ('pending', 'rolling_out', 'running', 'updating', 'degraded', 'removing', 'removed', 'failed');

-- CreateEnum
CREATE TYPE "PlacementStrategy" AS ENUM ('binpack', 'spread', 'host');

-- CreateEnum
CREATE TYPE "ReplicaState" AS ENUM ('pending', 'creating', 'running', 'removing', 'removed', 'failed');

-- CreateEnum
CREATE TYPE "StackState" AS ENUM ('deploying', 'running', 'failed', 'removing', 'removed');

-- CreateTable
CREATE TABLE "deployments" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "stack_id" TEXT,
    "name" TEXT NOT NULL,
    "image" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "replicas" INTEGER NOT NULL,
    "strategy" "PlacementStrategy" NOT NULL,
    "host_id" TEXT,
    "host_selector" JSONB NOT NULL DEFAULT '{}',
    "state" "DeploymentState" NOT NULL DEFAULT 'pending',
    "reason" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "created_by_id" TEXT,
    "updated_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployment_replicas" (
    "id" TEXT NOT NULL,
    "deployment_id" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "host_id" TEXT NOT NULL,
    "external_id" TEXT,
    "state" "ReplicaState" NOT NULL DEFAULT 'pending',
    "create_command_id" TEXT,
    "remove_command_id" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployment_replicas_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stacks" (
    "id" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "host_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "services" JSONB NOT NULL,
    "warnings" JSONB NOT NULL DEFAULT '[]',
    "state" "StackState" NOT NULL DEFAULT 'deploying',
    "reason" TEXT,
    "created_by_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stacks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "deployments_state_idx" ON "deployments"("state");

-- CreateIndex
CREATE INDEX "deployments_stack_id_idx" ON "deployments"("stack_id");

-- CreateIndex
CREATE UNIQUE INDEX "deployments_org_id_name_key" ON "deployments"("org_id", "name");

-- CreateIndex
CREATE INDEX "deployment_replicas_deployment_id_state_idx" ON "deployment_replicas"("deployment_id", "state");

-- CreateIndex
CREATE INDEX "deployment_replicas_host_id_state_idx" ON "deployment_replicas"("host_id", "state");

-- CreateIndex
CREATE INDEX "stacks_state_idx" ON "stacks"("state");

-- CreateIndex
CREATE UNIQUE INDEX "stacks_org_id_name_key" ON "stacks"("org_id", "name");

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_stack_id_fkey" FOREIGN KEY ("stack_id") REFERENCES "stacks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_updated_by_id_fkey" FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_replicas" ADD CONSTRAINT "deployment_replicas_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_replicas" ADD CONSTRAINT "deployment_replicas_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_replicas" ADD CONSTRAINT "deployment_replicas_create_command_id_fkey" FOREIGN KEY ("create_command_id") REFERENCES "commands"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployment_replicas" ADD CONSTRAINT "deployment_replicas_remove_command_id_fkey" FOREIGN KEY ("remove_command_id") REFERENCES "commands"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stacks" ADD CONSTRAINT "stacks_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stacks" ADD CONSTRAINT "stacks_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stacks" ADD CONSTRAINT "stacks_host_id_fkey" FOREIGN KEY ("host_id") REFERENCES "hosts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stacks" ADD CONSTRAINT "stacks_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

