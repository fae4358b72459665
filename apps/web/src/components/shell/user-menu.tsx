"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ChevronDown, LogOut } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { useTRPC } from "@/lib/trpc";
import { useMe } from "./require-auth";

function initials(name: string | null | undefined, email: string): string {
  const source = name?.trim() || email;
  const parts = source.split(/[\s@._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

/** Avatar button with a small menu: who is signed in, their role, and Sign out. */
export function UserMenu() {
  const me = useMe();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const firstItemRef = useRef<HTMLButtonElement>(null);

  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        router.replace("/login");
      },
    }),
  );

  useEffect(() => {
    if (!open) return;
    firstItemRef.current?.focus();
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

  const name = me.user.name || me.user.email;
  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        aria-label="User menu"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((v) => !v)}
        className="flex h-8 items-center gap-2 rounded-full py-1 pr-2 pl-1 text-fg-muted transition-colors hover:bg-surface-2 hover:text-fg"
      >
        <span className="flex size-6 items-center justify-center rounded-full bg-accent/20 font-semibold text-[10px] text-accent">
          {initials(me.user.name, me.user.email)}
        </span>
        <span className="hidden max-w-40 truncate text-sm md:inline">{name}</span>
        <ChevronDown aria-hidden className={cn("size-3.5 transition-transform", open && "rotate-180")} />
      </button>
      {open ? (
        <div
          id={menuId}
          role="menu"
          aria-label="User menu"
          className="absolute right-0 z-50 mt-2 w-64 overflow-hidden rounded-lg border border-border bg-surface-2 shadow-black/50 shadow-xl"
        >
          <div className="border-border border-b px-3 py-2.5">
            <p className="truncate font-medium text-fg text-sm">{name}</p>
            <p className="truncate text-fg-subtle text-xs">{me.user.email}</p>
            <p className="mt-1.5 text-fg-subtle text-xs">
              {me.org.name} · <span className="capitalize">{me.role}</span>
            </p>
          </div>
          <button
            ref={firstItemRef}
            type="button"
            role="menuitem"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending}
            className="flex w-full items-center gap-2 px-3 py-2 text-left text-fg-muted text-sm hover:bg-surface-3 hover:text-fg focus-visible:bg-surface-3 focus-visible:outline-none"
          >
            <LogOut aria-hidden className="size-4" />
            Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}
