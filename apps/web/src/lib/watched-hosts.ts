"use client";

/**
 * Hosts whose detail screens are on display. The live cache sync folds metric ticks into
 * the detail and chart caches of these hosts only; other hosts' cached details go stale
 * and are refetched when shown again.
 */
import { useEffect } from "react";

const watched = new Map<string, number>();

export function isWatchedHost(hostId: string): boolean {
  return (watched.get(hostId) ?? 0) > 0;
}

export function watchedHosts(): string[] {
  return [...watched.keys()];
}

/** Marks `hostId` as on display while the calling component is mounted. */
export function useWatchHost(hostId: string): void {
  useEffect(() => {
    watched.set(hostId, (watched.get(hostId) ?? 0) + 1);
    return () => {
      const left = (watched.get(hostId) ?? 1) - 1;
      if (left > 0) watched.set(hostId, left);
      else watched.delete(hostId);
    };
  }, [hostId]);
}
