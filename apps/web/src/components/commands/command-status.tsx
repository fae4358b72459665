"use client";

/**
 * What became of an action, inline next to the button that asked for it: a pending badge at
 * once, the live state and progress while it runs, then a clear success or an error in the
 * agent's own words with what to do about it.
 */
import { CircleCheck, CircleX, TriangleAlert, X } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { describeOutcome, isActiveCommandState } from "@/lib/command-state";
import { errorMessage } from "@/lib/trpc";
import { CommandProgress, CommandStateBadge } from "./command-state-badge";
import type { RunCommand } from "./use-command";

export interface CommandStatusProps {
  run: Pick<RunCommand, "command" | "requesting" | "requestError" | "reset">;
  /** "Stopping web-1" */
  doing: string;
  /** "Stopped web-1" */
  done: string;
  className?: string;
  testId?: string;
}

export function CommandStatus({ run, doing, done, className, testId }: CommandStatusProps) {
  const { command, requesting, requestError } = run;
  if (!command && !requesting && !requestError) return null;

  const dismiss = (
    <button
      type="button"
      onClick={run.reset}
      aria-label={`Dismiss: ${doing}`}
      className="ml-auto rounded p-0.5 text-fg-subtle hover:bg-surface-3 hover:text-fg"
    >
      <X aria-hidden className="size-3.5" />
    </button>
  );

  let body: ReactNode;
  let state: string;
  if (requestError && !command) {
    state = "refused";
    body = (
      <div className="flex items-start gap-2">
        <CircleX aria-hidden className="mt-0.5 size-4 shrink-0 text-danger" />
        <p className="text-danger">
          Could not ask the host: {errorMessage(requestError)}
          <span className="block text-fg-muted">Nothing was sent. Fix the cause, then try again.</span>
        </p>
        {dismiss}
      </div>
    );
  } else if (!command || isActiveCommandState(command.state)) {
    state = command?.state ?? "requesting";
    body = (
      <div className="flex items-center gap-2">
        {command ? <CommandStateBadge state={command.state} /> : <CommandStateBadge state="pending" />}
        <span className="min-w-0 flex-1">
          <span className="block truncate text-fg">
            {doing}…
            {command?.message ? (
              <span className="text-fg-muted"> · {command.message}</span>
            ) : command?.state === "pending" ? (
              <span className="text-fg-muted"> · waiting for the host's agent</span>
            ) : null}
          </span>
          {command ? (
            <CommandProgress
              state={command.state}
              progress={command.progress}
              label={`${doing}: progress`}
              className="mt-1"
            />
          ) : null}
        </span>
      </div>
    );
  } else {
    state = command.state;
    const outcome = describeOutcome(command);
    const ok = command.state === "succeeded";
    const Icon = ok ? CircleCheck : command.state === "failed" ? CircleX : TriangleAlert;
    body = (
      <div className="flex items-start gap-2">
        <Icon
          aria-hidden
          className={cn(
            "mt-0.5 size-4 shrink-0",
            ok ? "text-ok" : command.state === "failed" ? "text-danger" : "text-warn",
          )}
        />
        <div className="min-w-0 flex-1">
          <p className={cn("font-medium", ok ? "text-ok" : "text-fg")}>
            {ok ? done : `${doing} — ${outcome?.title.toLowerCase()}`}
            {command.error?.code ? (
              <span className="ml-1.5 font-mono font-normal text-fg-subtle text-xs">{command.error.code}</span>
            ) : null}
          </p>
          {outcome?.detail ? <p className="break-words text-fg-muted">{outcome.detail}</p> : null}
          {outcome?.hint ? <p className="text-fg-subtle">{outcome.hint}</p> : null}
        </div>
        {dismiss}
      </div>
    );
  }

  return (
    <div
      role="status"
      aria-live="polite"
      data-testid={testId}
      data-state={state}
      className={cn("rounded-md border border-border bg-surface-2/60 px-3 py-2 text-sm", className)}
    >
      {body}
    </div>
  );
}
