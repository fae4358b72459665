"use client";

/**
 * The top bar's "commands running" count: commands pending, sent or running anywhere in the
 * organisation, live. Opens a short list linking to each host's Commands tab.
 */
import { useQueries } from "@tanstack/react-query";
import { ListChecks } from "lucide-react";
import Link from "next/link";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { applyCommandUpdate, describeCommand, isActiveCommandState } from "@/lib/command-state";
import { useCommandUpdates } from "@/lib/command-updates";
import { useTRPC } from "@/lib/trpc";
import { CommandStateBadge } from "./command-state-badge";

const ACTIVE = ["pending", "sent", "running"] as const;
const SHOWN = 8;

interface ActiveCommand {
  id: string;
  hostId: string;
  hostName: string | null;
  title: string;
  state: (typeof ACTIVE)[number];
}

export function RunningCommands() {
  const trpc = useTRPC();
  const lists = useQueries({
    queries: ACTIVE.map((state) => trpc.commands.list.queryOptions({ state, limit: 200 })),
  });
  const updates = useCommandUpdates();
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const active = useMemo(() => {
    const byId = new Map<string, ActiveCommand>();
    for (const list of lists) {
      for (const c of list.data ?? []) {
        const update = updates.get(c.id);
        const shown = update ? applyCommandUpdate(c, update) : c;
        if (!isActiveCommandState(shown.state)) continue;
        byId.set(c.id, {
          id: c.id,
          hostId: c.hostId,
          hostName: c.hostName,
          title: describeCommand(c.name, c.payload),
          state: shown.state as ActiveCommand["state"],
        });
      }
    }
    // Commands asked for since the lists were fetched.
    for (const u of updates.values()) {
      if (byId.has(u.id) || !isActiveCommandState(u.state)) continue;
      byId.set(u.id, {
        id: u.id,
        hostId: u.hostId,
        hostName: null,
        title: u.name,
        state: u.state as ActiveCommand["state"],
      });
    }
    return [...byId.values()];
  }, [lists, updates]);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const count = active.length;
  const label = `${count} command${count === 1 ? "" : "s"} running`;
  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        aria-label={`Commands running: ${count}`}
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        data-testid="commands-running"
        data-count={count}
        onClick={() => setOpen((v) => !v)}
        className={cn(
          "inline-flex h-7 items-center gap-1.5 rounded-full border px-2.5 font-medium text-xs transition-colors",
          count > 0
            ? "border-info/30 bg-info/10 text-info hover:bg-info/20"
            : "border-border text-fg-subtle hover:bg-surface-2 hover:text-fg-muted",
        )}
        title={count > 0 ? label : "No commands running"}
      >
        <ListChecks aria-hidden className={cn("size-3.5", count > 0 && "animate-pulse-dot")} />
        <span className="tabular-nums">{count}</span>
        <span className="max-md:sr-only">running</span>
      </button>
      {open ? (
        <div
          id={menuId}
          role="dialog"
          aria-label="Commands running"
          className="absolute right-0 z-50 mt-2 w-80 overflow-hidden rounded-lg border border-border bg-surface-2 shadow-black/50 shadow-xl"
        >
          <p className="border-border border-b px-3 py-2 font-medium text-fg text-sm">{label}</p>
          {count === 0 ? (
            <p className="px-3 py-4 text-fg-subtle text-sm">Nothing is running. Commands you start show up here.</p>
          ) : (
            <ul className="max-h-80 divide-y divide-border/70 overflow-y-auto">
              {active.slice(0, SHOWN).map((c) => (
                <li key={c.id}>
                  <Link
                    href={`/hosts/${c.hostId}?tab=commands`}
                    onClick={() => setOpen(false)}
                    className="flex items-center gap-2 px-3 py-2 text-sm hover:bg-surface-3"
                  >
                    <span className="min-w-0 flex-1">
                      <span className="block truncate text-fg">{c.title}</span>
                      <span className="block truncate text-fg-subtle text-xs">{c.hostName ?? "on its host"}</span>
                    </span>
                    <CommandStateBadge state={c.state} />
                  </Link>
                </li>
              ))}
            </ul>
          )}
          {count > SHOWN ? (
            <p className="border-border border-t px-3 py-2 text-fg-subtle text-xs">and {count - SHOWN} more</p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
