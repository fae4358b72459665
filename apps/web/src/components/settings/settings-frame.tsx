"use client";

/** The settings area: its own menu of sections on the left (those the caller may open), the section on the right. */
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { SETTINGS_SECTIONS } from "./settings-sections";
import { useHeld } from "./use-held";

export function SettingsFrame({ children }: { children: ReactNode }) {
  const held = useHeld();
  const pathname = usePathname() ?? "";
  const sections = SETTINGS_SECTIONS.filter((s) => held.any(s.permission));
  const current = SETTINGS_SECTIONS.find((s) => pathname === s.href || pathname.startsWith(`${s.href}/`));
  return (
    <div className="flex gap-6 max-lg:flex-col">
      <nav aria-label="Settings" className="w-44 shrink-0 max-lg:w-full">
        <p className="mb-2 px-2.5 text-[10px] text-fg-subtle uppercase tracking-wider">Settings</p>
        <ul className="space-y-0.5 max-lg:flex max-lg:flex-wrap max-lg:gap-1 max-lg:space-y-0">
          {sections.map((s) => {
            const active = pathname === s.href || pathname.startsWith(`${s.href}/`);
            return (
              <li key={s.href}>
                <Link
                  href={s.href}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "flex h-8 items-center rounded-md px-2.5 text-fg-muted text-sm transition-colors hover:bg-surface-2 hover:text-fg",
                    active && "bg-surface-2 text-fg",
                  )}
                >
                  {s.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <div className="min-w-0 flex-1 space-y-5">
        {current && !held.any(current.permission) ? <NotForYourRole label={current.label} /> : children}
      </div>
    </div>
  );
}

/** A section opened by its address that the role does not include (the server would refuse it anyway). */
function NotForYourRole({ label }: { label: string }) {
  return (
    <div className="rounded-card border border-border bg-surface px-6 py-10 text-center">
      <h1 className="font-semibold text-fg text-lg">{label}</h1>
      <p className="mt-2 text-fg-subtle text-sm">Your role does not include this section. Ask an admin of your team.</p>
    </div>
  );
}
