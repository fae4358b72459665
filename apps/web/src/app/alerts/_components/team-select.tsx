"use client";

/** Picks a team of the organisation, or every team ("" = none chosen). */
import { useQuery } from "@tanstack/react-query";
import { Label, Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";

export function TeamSelect({ id, value, onChange }: { id: string; value: string; onChange: (teamId: string) => void }) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.alerts.teams.queryOptions());
  return (
    <div className="space-y-1">
      <Label htmlFor={id}>Team</Label>
      <Select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Every team</option>
        {(teams.data ?? []).map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </Select>
    </div>
  );
}
