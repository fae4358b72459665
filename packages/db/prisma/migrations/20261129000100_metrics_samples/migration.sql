-- Metrics storage, hand-written: Prisma cannot model partitioned tables, and samples are written
-- and read with raw SQL through `pg` (see src/samples.ts), never through Prisma.
-- No semicolon may appear except at the end of a statement, not even in a comment: Prisma's
-- driver-adapter migrate path splits scripts on every semicolon.

-- One wide row per host / VM / container per tick. Daily range partitions (samples_pYYYYMMDD,
-- UTC days) are created ahead of time by ensureSamplePartitions(), and retention drops whole
-- partitions, which is far cheaper than DELETE.
CREATE TABLE "samples" (
    "ts" TIMESTAMPTZ NOT NULL,
    "host_id" TEXT NOT NULL,
    -- The driver's id of the workload (Workload.externalId), NULL for the host's own row.
    "workload_id" TEXT,
    "kind" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "boot_id" TEXT,
    "seq" BIGINT NOT NULL,
    "cpu_cores" REAL,
    "cpu_ratio" REAL,
    "mem_used_bytes" DOUBLE PRECISION,
    "mem_total_bytes" DOUBLE PRECISION,
    "net_rx_bps" REAL,
    "net_tx_bps" REAL,
    "disk_read_bps" REAL,
    "disk_write_bps" REAL,
    "load1" REAL,

    CONSTRAINT "samples_kind_check" CHECK ("kind" IN ('host', 'vm', 'container')),
    -- A host row has no workload id and a workload row always has one: readers rely on
    -- "workload_id IS NULL" to select host rows through the (host_id, workload_id, ts) index.
    CONSTRAINT "samples_workload_id_check" CHECK (("kind" = 'host') = ("workload_id" IS NULL))
) PARTITION BY RANGE ("ts");

CREATE INDEX "samples_host_id_ts_idx" ON "samples"("host_id", "ts");
CREATE INDEX "samples_host_id_workload_id_ts_idx" ON "samples"("host_id", "workload_id", "ts");

-- Catches rows for days without a partition (a clock far off, a backlog from long ago) so an
-- insert never fails for want of a partition. ensureSamplePartitions() moves such rows into a
-- day's partition when it creates it.
CREATE TABLE "samples_default" PARTITION OF "samples" DEFAULT;

-- One row per committed metrics batch: the primary key makes a resent batch a no-op, and
-- max(seq) per agent is what the gateway reports back to a reconnecting agent.
CREATE TABLE "metric_batches" (
    "agent_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "boot_id" TEXT,
    "sample_count" INTEGER NOT NULL,
    "received_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "metric_batches_pkey" PRIMARY KEY ("agent_id", "seq")
);
