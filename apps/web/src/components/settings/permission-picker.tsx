"use client";

/** Checkboxes for a set of permissions (a custom role's, an API token's scope). */
import { useId } from "react";
import { Checkbox } from "@/components/ui/input";

/** What a permission lets one do, for people choosing them. */
export const PERMISSION_HELP: Record<string, string> = {
  "fleet.read": "See hosts, workloads, metrics, migrations and plans",
  "workloads.operate": "Start, stop, create and remove workloads; logs; images",
  "deploy.manage": "Deployments and stacks",
  "plans.create": "Propose consolidation plans",
  "hosts.enroll": "Enrol new hosts",
  "hosts.manage": "Host settings, maintenance, moving hosts between teams",
  "migrations.run": "Migrate workloads between hosts",
  "plans.approve": "Approve and cancel consolidation plans",
  "alerts.manage": "Alert rules",
  "webhooks.manage": "Webhooks",
  "members.manage": "Invite people, change roles, remove members; team API tokens",
  "registries.manage": "Registry logins",
  "audit.read": "Read and export the audit log",
  "org.manage": "Teams, custom roles, removing people from the organisation",
};

export function PermissionPicker({
  options,
  value,
  onChange,
  legend,
}: {
  options: readonly string[];
  value: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  legend: string;
}) {
  const base = useId();
  return (
    <fieldset className="space-y-1.5">
      <legend className="mb-1 font-medium text-fg-muted text-xs">{legend}</legend>
      <div className="grid grid-cols-1 gap-1 sm:grid-cols-2">
        {options.map((p) => {
          const id = `${base}-${p}`;
          return (
            <label key={p} htmlFor={id} className="flex items-start gap-2 text-sm">
              <Checkbox
                id={id}
                className="mt-0.5"
                checked={value.has(p)}
                onChange={(e) => {
                  const next = new Set(value);
                  if (e.target.checked) next.add(p);
                  else next.delete(p);
                  onChange(next);
                }}
              />
              <span>
                <span className="font-mono text-fg text-xs">{p}</span>
                <span className="block text-fg-subtle text-xs">{PERMISSION_HELP[p] ?? ""}</span>
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
