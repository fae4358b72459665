-- Evacuations keep how they were asked to move things, so a restarted server resumes them as asked
ALTER TABLE "evacuations" ADD COLUMN "storage" "MigrationStorage" NOT NULL DEFAULT 'shared',
ADD COLUMN "accept_volume_loss" BOOLEAN NOT NULL DEFAULT false;
