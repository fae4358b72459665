/**
 * Socket.IO events the server pushes to browsers. Shared by the server (emit) and the
 * dashboard (listen). Rooms: `org:<orgId>` (joined on connect from the session cookie)
 * and `host:<hostId>` (joined on `subscribe`, after checking the host is in the caller's org).
 */

export interface HostMetricsEvent {
  hostId: string;
  /** ms since epoch */
  ts: number;
  cpuRatio: number | null;
  memRatio: number | null;
  cpuCores: number;
  memUsedBytes: number;
  memTotalBytes: number | null;
  netRxBps: number;
  netTxBps: number;
  diskReadBps: number;
  diskWriteBps: number;
  load1: number | null;
}

export interface HostStatusEvent {
  hostId: string;
  status: "online" | "offline" | "maintenance";
  lastSeenAt: string | null;
}

export interface HostInventoryEvent {
  hostId: string;
}

export interface WorkloadMetricsEvent {
  hostId: string;
  ts: number;
  items: Array<{
    externalId: string;
    kind: "vm" | "container";
    cpuCores: number;
    memUsedBytes: number;
    netRxBps: number;
    netTxBps: number;
    diskReadBps: number;
    diskWriteBps: number;
  }>;
}

/**
 * A command changed state or reported progress (room `org:<orgId>`). Refetch `commands.get` for
 * detail. Updates come from several places (the request, the node holding the agent, the
 * deadline sweeper) and can arrive out of order; states only ever move forward, so ignore an
 * update whose state ranks below the one shown (`isNewerCommandState`).
 */
export interface CommandUpdateEvent {
  id: string;
  hostId: string;
  name: string;
  state: "pending" | "sent" | "running" | "succeeded" | "failed" | "timed_out" | "cancelled";
  /** 0..1 when the agent can tell. */
  progress: number | null;
  /** The latest progress message, or the failure's message once it failed. */
  message: string | null;
}

const COMMAND_STATE_RANK: Record<CommandUpdateEvent["state"], number> = {
  pending: 0,
  sent: 1,
  running: 2,
  succeeded: 3,
  failed: 3,
  timed_out: 3,
  cancelled: 3,
};

/** Whether an update in state `next` may replace what is shown for state `shown` (never backwards). */
export function isNewerCommandState(shown: CommandUpdateEvent["state"], next: CommandUpdateEvent["state"]): boolean {
  const a = COMMAND_STATE_RANK[shown];
  const b = COMMAND_STATE_RANK[next];
  return b > a || (b === a && a < 3);
}

/** Output lines of a streaming command (container.logs, image.build, image.pull), room `host:<hostId>`. */
export interface CommandOutputEvent {
  id: string;
  hostId: string;
  /** ms since epoch, as the agent stamped the chunk. */
  ts: number;
  stream: "stdout" | "stderr";
  lines: string[];
}

/**
 * A deployment changed state or rollout progress (room `org:<orgId>`): after every reconciler
 * step that changed something, and after each create/update/scale/remove request. Refetch
 * `deploy.get` for its replicas.
 */
export interface DeploymentUpdateEvent {
  id: string;
  name: string;
  /** Set when the deployment is a service of a compose stack. */
  stackId: string | null;
  state: "pending" | "rolling_out" | "running" | "updating" | "degraded" | "removing" | "removed" | "failed";
  revision: number;
  /** Replicas running at the current revision, and how many are wanted. */
  ready: number;
  desired: number;
  /** Why it is degraded or failed. */
  reason: string | null;
}

/**
 * A live migration moved on (room `org:<orgId>`): a state change or a progress report from the
 * source agent. Refetch `migrations.get` for detail.
 */
export interface MigrationUpdateEvent {
  id: string;
  workloadId: string;
  sourceHostId: string;
  targetHostId: string;
  state: "pending" | "preparing" | "migrating" | "completing" | "succeeded" | "failed" | "cancelled";
  /** disks, memory, switchover, completed */
  phase: string | null;
  progress: number | null;
  transferredBytes: number | null;
  remainingBytes: number | null;
  totalBytes: number | null;
  mbps: number | null;
  expectedDowntimeMs: number | null;
  downtimeMs: number | null;
  totalTimeMs: number | null;
  /** Why it failed or was cancelled. */
  error: string | null;
}

/**
 * A host evacuation moved on (room `org:<orgId>`): planned, a move started or ended, or it
 * finished. Refetch `maintenance.get` for the moves and their migrations.
 */
export interface EvacuationUpdateEvent {
  id: string;
  hostId: string;
  state: "planning" | "running" | "succeeded" | "failed" | "cancelled";
  /** 0..1: moves ended over moves planned. */
  progress: number;
  moves: number;
  movesSucceeded: number;
  error: string | null;
}

/**
 * A consolidation plan moved on (room `org:<orgId>`): created, approved, a move started or
 * ended, or it finished. Refetch `plans.get` for its moves and their migrations.
 */
export interface PlanUpdateEvent {
  id: string;
  state: "draft" | "approved" | "running" | "succeeded" | "failed" | "cancelled";
  /** 0..1: moves ended over moves planned. */
  progress: number;
  moves: number;
  movesSucceeded: number;
  /** The step being executed (or next), null when none is left. */
  step: number | null;
  error: string | null;
}

/**
 * Alerts changed state in one evaluation pass (room `org:<orgId>`, and `team:<teamId>` for the
 * alerts of a team): opened, fired, cleared or resolved. Refetch `alerts.list` (and rule counts).
 */
export interface AlertsChangedEvent {
  /** How many alerts of this audience changed in the pass. */
  changed: number;
}

export interface ServerToClientEvents {
  "host:metrics": (e: HostMetricsEvent) => void;
  "host:status": (e: HostStatusEvent) => void;
  "host:inventory": (e: HostInventoryEvent) => void;
  "workload:metrics": (e: WorkloadMetricsEvent) => void;
  "command:update": (e: CommandUpdateEvent) => void;
  "command:output": (e: CommandOutputEvent) => void;
  "deployment:update": (e: DeploymentUpdateEvent) => void;
  "migration:update": (e: MigrationUpdateEvent) => void;
  "evacuation:update": (e: EvacuationUpdateEvent) => void;
  "plan:update": (e: PlanUpdateEvent) => void;
  "alerts:changed": (e: AlertsChangedEvent) => void;
}

export interface ClientToServerEvents {
  subscribe: (room: { kind: "host"; id: string }, ack?: (r: { ok: boolean; error?: string }) => void) => void;
  unsubscribe: (room: { kind: "host"; id: string }) => void;
}
