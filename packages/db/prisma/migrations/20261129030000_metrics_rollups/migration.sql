-- Rollup tiers of `samples` (metrics storage tiers, issue 9): one row per series (host, or host and
-- workload) per minute and per hour, holding the average, minimum and maximum of every metric.
-- Made by the metrics-rollup background jobs, which rebuild whole buckets (delete then insert in
-- one transaction), so running a bucket twice gives the same rows.
-- No semicolon may appear in a comment: the migrate path splits scripts on every semicolon.

CREATE TABLE "samples_1m" (
    "ts" TIMESTAMPTZ NOT NULL,
    "host_id" TEXT NOT NULL,
    "workload_id" TEXT,
    "kind" TEXT NOT NULL,
    -- Raw rows the bucket was made from: the weight of its averages when coarser buckets are made.
    "n" INTEGER NOT NULL,
    "cpu_cores_avg" REAL,
    "cpu_cores_min" REAL,
    "cpu_cores_max" REAL,
    "cpu_ratio_avg" REAL,
    "cpu_ratio_min" REAL,
    "cpu_ratio_max" REAL,
    "mem_used_bytes_avg" DOUBLE PRECISION,
    "mem_used_bytes_min" DOUBLE PRECISION,
    "mem_used_bytes_max" DOUBLE PRECISION,
    "mem_total_bytes_avg" DOUBLE PRECISION,
    "mem_total_bytes_min" DOUBLE PRECISION,
    "mem_total_bytes_max" DOUBLE PRECISION,
    "net_rx_bps_avg" REAL,
    "net_rx_bps_min" REAL,
    "net_rx_bps_max" REAL,
    "net_tx_bps_avg" REAL,
    "net_tx_bps_min" REAL,
    "net_tx_bps_max" REAL,
    "disk_read_bps_avg" REAL,
    "disk_read_bps_min" REAL,
    "disk_read_bps_max" REAL,
    "disk_write_bps_avg" REAL,
    "disk_write_bps_min" REAL,
    "disk_write_bps_max" REAL,
    "load1_avg" REAL,
    "load1_min" REAL,
    "load1_max" REAL,

    CONSTRAINT "samples_1m_kind_check" CHECK ("kind" IN ('host', 'vm', 'container'))
) PARTITION BY RANGE ("ts");

-- One row per series and minute. NULLS NOT DISTINCT makes host rows (workload_id NULL) unique too.
CREATE UNIQUE INDEX "samples_1m_series_ts_key" ON "samples_1m"("host_id", "workload_id", "ts") NULLS NOT DISTINCT;

-- Daily partitions like samples (samples_1m_pYYYYMMDD), dropped whole for retention.
CREATE TABLE "samples_1m_default" PARTITION OF "samples_1m" DEFAULT;

CREATE TABLE "samples_1h" (
    "ts" TIMESTAMPTZ NOT NULL,
    "host_id" TEXT NOT NULL,
    "workload_id" TEXT,
    "kind" TEXT NOT NULL,
    -- Raw rows the bucket was made from: the weight of its averages when coarser buckets are made.
    "n" INTEGER NOT NULL,
    "cpu_cores_avg" REAL,
    "cpu_cores_min" REAL,
    "cpu_cores_max" REAL,
    "cpu_ratio_avg" REAL,
    "cpu_ratio_min" REAL,
    "cpu_ratio_max" REAL,
    "mem_used_bytes_avg" DOUBLE PRECISION,
    "mem_used_bytes_min" DOUBLE PRECISION,
    "mem_used_bytes_max" DOUBLE PRECISION,
    "mem_total_bytes_avg" DOUBLE PRECISION,
    "mem_total_bytes_min" DOUBLE PRECISION,
    "mem_total_bytes_max" DOUBLE PRECISION,
    "net_rx_bps_avg" REAL,
    "net_rx_bps_min" REAL,
    "net_rx_bps_max" REAL,
    "net_tx_bps_avg" REAL,
    "net_tx_bps_min" REAL,
    "net_tx_bps_max" REAL,
    "disk_read_bps_avg" REAL,
    "disk_read_bps_min" REAL,
    "disk_read_bps_max" REAL,
    "disk_write_bps_avg" REAL,
    "disk_write_bps_min" REAL,
    "disk_write_bps_max" REAL,
    "load1_avg" REAL,
    "load1_min" REAL,
    "load1_max" REAL,

    CONSTRAINT "samples_1h_kind_check" CHECK ("kind" IN ('host', 'vm', 'container'))
);

CREATE UNIQUE INDEX "samples_1h_series_ts_key" ON "samples_1h"("host_id", "workload_id", "ts") NULLS NOT DISTINCT;
CREATE INDEX "samples_1h_ts_idx" ON "samples_1h"("ts");

-- How far each tier is rolled up: every bucket before done_until is made. History queries read a
-- tier before its mark and the finer data after it, so charts never miss the newest minutes.
CREATE TABLE "metric_rollup_state" (
    "tier" TEXT NOT NULL,
    "done_until" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "metric_rollup_state_pkey" PRIMARY KEY ("tier"),
    CONSTRAINT "metric_rollup_state_tier_check" CHECK ("tier" IN ('1m', '1h'))
);

-- Host-hours that got samples after their rollup was made (an agent resending its spool after an
-- outage): the rollup jobs redo that host's hour and delete the mark in the same transaction.
CREATE TABLE "metric_rollup_dirty" (
    "tier" TEXT NOT NULL,
    "hour" TIMESTAMPTZ NOT NULL,
    "host_id" TEXT NOT NULL,
    "marked_at" TIMESTAMPTZ NOT NULL DEFAULT now(),

    CONSTRAINT "metric_rollup_dirty_pkey" PRIMARY KEY ("tier", "hour", "host_id"),
    CONSTRAINT "metric_rollup_dirty_tier_check" CHECK ("tier" IN ('1m', '1h'))
);
