"use client";

/**
 * What the signed-in person may do, read from the session procedure (auth.me): the permissions
 * held anywhere, and per team. The UI only hides what is not allowed; the server decides.
 */
import { useMe } from "@/components/shell/require-auth";

export interface Held {
  /** Held in at least one team (or organisation-wide). */
  any: (permission: string) => boolean;
  /** Held in this team. */
  inTeam: (teamId: string, permission: string) => boolean;
  /** Teams where this permission is held. */
  teamsWith: (permission: string) => { id: string; name: string }[];
}

export function useHeld(): Held {
  const me = useMe();
  const all = new Set<string>(me.permissions);
  return {
    any: (p) => p === "self.manage" || all.has(p),
    inTeam: (teamId, p) => me.owner || !!me.teams.find((t) => t.id === teamId)?.permissions.includes(p as never),
    teamsWith: (p) =>
      me.teams.filter((t) => me.owner || t.permissions.includes(p as never)).map((t) => ({ id: t.id, name: t.name })),
  };
}
