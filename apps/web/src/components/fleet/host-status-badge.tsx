import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { HostStatus } from "@/lib/api-types";

const STATUS: Record<HostStatus, { label: string; tone: BadgeTone }> = {
  online: { label: "Online", tone: "ok" },
  offline: { label: "Offline", tone: "danger" },
  maintenance: { label: "Maintenance", tone: "maint" },
};

export function hostStatusLabel(status: HostStatus): string {
  return STATUS[status].label;
}

export function HostStatusBadge({ status }: { status: HostStatus }) {
  const s = STATUS[status];
  return (
    <Badge tone={s.tone} dot data-status={status}>
      {s.label}
    </Badge>
  );
}
