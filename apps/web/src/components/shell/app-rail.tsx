"use client";

import { ArrowLeftRight, Bell, Layers, type LucideIcon, Rocket, Server, Settings } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";
import type { Permission } from "@/lib/permissions";
import { Logo } from "./logo";
import { useMe } from "./require-auth";

interface NavItem {
  label: string;
  icon: LucideIcon;
  href?: string;
  /** Paths (besides href) that belong to this section. */
  match?: RegExp;
  /** Shown only to roles holding one of these. */
  anyOf?: Permission[];
}

const NAV: NavItem[] = [
  { label: "Fleet", icon: Server, href: "/", match: /^\/((hosts|workloads)\/.*)?$/ },
  { label: "Deploy", icon: Rocket, href: "/deploy", anyOf: ["workloads.operate", "deploy.manage"] },
  { label: "Migrations", icon: ArrowLeftRight, href: "/migrations" },
  { label: "Plans", icon: Layers, href: "/plans" },
  { label: "Alerts", icon: Bell, href: "/alerts", match: /^\/alerts/ },
  { label: "Settings", icon: Settings, href: "/settings", match: /^\/settings(\/.*)?$/ },
];

/** The left rail: brand, organisation, and the product's sections. */
export function AppRail() {
  const me = useMe();
  const pathname = usePathname() ?? "/";

  return (
    // The aside stretches to the page's full height (its border and background never stop
    // partway down a long page); its content sticks to the viewport, scrolling when short.
    <aside className="w-52 shrink-0 border-border border-r bg-surface/60 max-xl:w-16">
      <div className="sticky top-0 flex h-screen flex-col overflow-y-auto supports-[height:100dvh]:h-dvh">
        <div className="flex h-14 items-center px-4 max-xl:justify-center max-xl:px-0">
          <Link href="/" aria-label="Flotilla home" className="rounded-md">
            <Logo className="max-xl:[&>span:last-child]:hidden" />
          </Link>
        </div>

        <div className="mx-3 mb-3 rounded-md border border-border bg-canvas/60 px-3 py-2 max-xl:hidden">
          <p className="text-[10px] text-fg-subtle uppercase tracking-wider">Organisation</p>
          <p className="truncate font-medium text-fg text-sm" data-testid="org-name">
            {me.org.name}
          </p>
        </div>

        <nav aria-label="Main" className="flex-1 px-2">
          <ul className="space-y-0.5">
            {NAV.filter((item) => !item.anyOf || item.anyOf.some((p) => (me.permissions as string[]).includes(p))).map(
              (item) => {
                const Icon = item.icon;
                if (!item.href) {
                  return (
                    <li key={item.label}>
                      <span
                        aria-disabled="true"
                        title={`${item.label} is coming soon`}
                        className="flex h-8 cursor-not-allowed items-center gap-3 rounded-md px-2.5 text-fg-subtle/70 text-sm max-xl:justify-center"
                      >
                        <Icon aria-hidden className="size-4 shrink-0" />
                        <span className="flex-1 max-xl:sr-only">{item.label}</span>
                        <span className="rounded bg-surface-2 px-1.5 py-px text-[10px] text-fg-subtle uppercase tracking-wide max-xl:sr-only">
                          soon
                        </span>
                      </span>
                    </li>
                  );
                }
                const active = item.match ? item.match.test(pathname) : pathname === item.href;
                return (
                  <li key={item.label}>
                    <Link
                      href={item.href}
                      aria-current={active ? "page" : undefined}
                      className={cn(
                        "flex h-8 items-center gap-3 rounded-md px-2.5 text-fg-muted text-sm transition-colors hover:bg-surface-2 hover:text-fg max-xl:justify-center",
                        active && "bg-surface-2 text-fg shadow-[inset_2px_0_0_var(--color-accent)]",
                      )}
                    >
                      <Icon aria-hidden className={cn("size-4 shrink-0", active && "text-accent")} />
                      <span className="max-xl:sr-only">{item.label}</span>
                    </Link>
                  </li>
                );
              },
            )}
          </ul>
        </nav>

        <div className="border-border border-t px-4 py-3 text-[11px] text-fg-subtle max-xl:hidden">
          <span className="capitalize">{me.role}</span> · {me.org.slug}
        </div>
      </div>
    </aside>
  );
}
