"use client";

/**
 * Picks one of the caller's teams, or every team ("" = organisation-wide), which only the owner
 * may choose: anyone else starts on their first team, so a save is not refused.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { Label, Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";

export function TeamSelect({ id, value, onChange }: { id: string; value: string; onChange: (teamId: string) => void }) {
  const trpc = useTRPC();
  const teams = useQuery(trpc.alerts.teams.queryOptions());
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const orgWide = me.data?.owner === true;
  const first = teams.data?.[0]?.id;
  useEffect(() => {
    if (me.data && !orgWide && value === "" && first) onChange(first);
  }, [me.data, orgWide, value, first, onChange]);
  return (
    <div className="space-y-1">
      <Label htmlFor={id}>Team</Label>
      <Select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {orgWide ? <option value="">Every team</option> : null}
        {(teams.data ?? []).map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </Select>
    </div>
  );
}
