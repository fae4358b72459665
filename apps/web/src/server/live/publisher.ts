/**
 * What the rest of the server uses to push updates to browsers. Backed by Socket.IO rooms
 * (`org:<id>`, `host:<id>`); a no-op publisher serves tests and tools without browsers.
 */
import type {
  AlertsChangedEvent,
  CommandOutputEvent,
  CommandUpdateEvent,
  DeploymentUpdateEvent,
  EvacuationUpdateEvent,
  HostInventoryEvent,
  HostMetricsEvent,
  HostStatusEvent,
  MigrationUpdateEvent,
  PlanUpdateEvent,
  WorkloadMetricsEvent,
} from "../../shared/live-events.js";

export interface LivePublisher {
  hostMetrics(orgId: string, event: HostMetricsEvent): void;
  hostStatus(orgId: string, event: HostStatusEvent): void;
  hostInventory(orgId: string, event: HostInventoryEvent): void;
  workloadMetrics(event: WorkloadMetricsEvent): void;
  commandUpdate(orgId: string, event: CommandUpdateEvent): void;
  commandOutput(event: CommandOutputEvent): void;
  deploymentUpdate(orgId: string, event: DeploymentUpdateEvent): void;
  migrationUpdate(orgId: string, event: MigrationUpdateEvent): void;
  evacuationUpdate(orgId: string, event: EvacuationUpdateEvent): void;
  planUpdate(orgId: string, event: PlanUpdateEvent): void;
  /** To the org-wide readers, and to the team's room when the alerts belong to a team. */
  alertsChanged(orgId: string, teamId: string | null, event: AlertsChangedEvent): void;
}

export const orgRoom = (orgId: string) => `org:${orgId}`;
export const hostRoom = (hostId: string) => `host:${hostId}`;

export const silentPublisher: LivePublisher = {
  hostMetrics() {},
  hostStatus() {},
  hostInventory() {},
  workloadMetrics() {},
  commandUpdate() {},
  commandOutput() {},
  deploymentUpdate() {},
  migrationUpdate() {},
  evacuationUpdate() {},
  planUpdate() {},
  alertsChanged() {},
};
