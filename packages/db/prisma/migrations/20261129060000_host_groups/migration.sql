-- Host groups for scoping consolidation plans (issue 6)
ALTER TABLE "hosts" ADD COLUMN "host_group" TEXT;

CREATE INDEX "hosts_org_id_host_group_idx" ON "hosts"("org_id", "host_group");
