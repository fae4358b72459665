"use client";

import { formatDateTime } from "@/lib/format";
import { CopyButton } from "./copy-button";

/**
 * A secret (an invitation link, an API token) the server shows only once: plainly visible,
 * selectable, with a copy button and when it stops working.
 */
export function SecretOnce({
  label,
  value,
  expiresAt,
  testId,
}: {
  label: string;
  value: string;
  expiresAt: string | Date;
  testId: string;
}) {
  return (
    <div className="space-y-2 rounded-md border border-warn/40 bg-warn/8 p-3">
      <p className="font-medium text-fg text-sm">{label}</p>
      <p className="text-fg-muted text-xs">Shown only this once: copy it now. Expires {formatDateTime(expiresAt)}.</p>
      <div className="flex items-center gap-2">
        <code
          data-testid={testId}
          className="min-w-0 flex-1 select-all break-all rounded bg-canvas px-2 py-1.5 font-mono text-fg text-xs"
        >
          {value}
        </code>
        <CopyButton value={value} />
      </div>
    </div>
  );
}
