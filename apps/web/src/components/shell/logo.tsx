import { cn } from "@/lib/cn";

/** Flotilla's mark: a sail over a hull. */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden className={cn("size-7", className)}>
      <rect width="32" height="32" rx="7" className="fill-surface-3" />
      <path d="M7 20.5h18l-2.6 4.5H9.6z" className="fill-accent" />
      <path d="M15 6.5v12H8.5z" className="fill-fg" />
      <path d="M17 9v9.5h6z" className="fill-accent" opacity=".75" />
    </svg>
  );
}

export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn("inline-flex items-center gap-2.5", className)}>
      <LogoMark />
      <span className="font-semibold text-[15px] text-fg tracking-tight">Flotilla</span>
    </span>
  );
}
