import type { ReactNode } from "react";

/** The title of a settings section, a line on what it is for, and its main action on the right. */
export function SettingsHeader({
  title,
  description,
  action,
}: {
  title: string;
  description: string;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="font-semibold text-fg text-xl tracking-tight">{title}</h1>
        <p className="text-fg-subtle text-sm">{description}</p>
      </div>
      {action}
    </div>
  );
}

/** A failed load or action, said plainly where it happened. */
export function ErrorLine({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" className="text-danger text-sm">
      {children}
    </p>
  );
}
