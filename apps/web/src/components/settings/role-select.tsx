"use client";

/** A team role picker: the three built-in team roles, then the organisation's custom roles. */
import { useQuery } from "@tanstack/react-query";
import type { ComponentProps } from "react";
import { Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import { TEAM_ROLE_OPTIONS } from "./role-value";

export function RoleSelect({ withCustom = true, ...props }: ComponentProps<typeof Select> & { withCustom?: boolean }) {
  const trpc = useTRPC();
  const roles = useQuery({ ...trpc.roles.list.queryOptions(), enabled: withCustom });
  return (
    <Select {...props}>
      {TEAM_ROLE_OPTIONS.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
      {withCustom
        ? (roles.data?.custom ?? []).map((c) => (
            <option key={c.id} value={`custom:${c.id}`}>
              {c.name} (custom)
            </option>
          ))
        : null}
    </Select>
  );
}
