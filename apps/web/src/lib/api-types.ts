/**
 * Shapes of what the tRPC API returns, inferred from the server's router (type-only import:
 * nothing from src/server is bundled into the browser).
 */
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/trpc/router";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export type Me = NonNullable<RouterOutputs["auth"]["me"]>;
export type FleetSummary = RouterOutputs["fleet"]["summary"];
export type HostRow = RouterOutputs["fleet"]["hosts"][number];
export type HostStatus = HostRow["status"];
export type HostDetail = RouterOutputs["fleet"]["host"];
export type HostMetrics = RouterOutputs["fleet"]["hostMetrics"];
export type MetricsRange = RouterInputs["fleet"]["hostMetrics"]["range"];
export type Workload = RouterOutputs["fleet"]["workloads"][number];
export type WorkloadDetail = RouterOutputs["fleet"]["workload"];
export type WorkloadMetrics = RouterOutputs["fleet"]["workloadMetrics"];
export type WorkloadHistoryItem = RouterOutputs["fleet"]["workloadHistory"][number];
export type HostEventsPage = RouterOutputs["fleet"]["hostEvents"];
export type HostEvent = HostEventsPage["events"][number];
export type CommandItem = RouterOutputs["commands"]["list"][number];
export type CommandDetail = RouterOutputs["commands"]["get"];
export type CommandEventItem = CommandDetail["events"][number];
export type CommandRequestInput = RouterInputs["commands"]["request"];
