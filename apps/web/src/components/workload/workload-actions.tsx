"use client";

/**
 * Lifecycle actions for one workload: Start, Stop, Restart and Remove for containers, power
 * for VMs. Each click asks the host's agent with a fresh idempotency key and shows the
 * command's live state beside the buttons. Remove asks first, naming the container.
 */
import { Play, RotateCw, Square, Trash2 } from "lucide-react";
import { useEffect, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Checkbox } from "@/components/ui/input";
import { Toast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import {
  ACTION_LABELS,
  type ActionTarget,
  actionsFor,
  commandForAction,
  type WorkloadAction,
} from "@/lib/workload-actions";

export interface ActionWorkload extends ActionTarget {
  name: string;
  hostId: string;
}

const SUCCESS_SHOWN_MS = 8_000;
const ICONS = { start: Play, stop: Square, restart: RotateCw, remove: Trash2 } as const;

function RemoveDialog({
  workload,
  open,
  onClose,
  onConfirm,
}: {
  workload: ActionWorkload;
  open: boolean;
  onClose: () => void;
  onConfirm: (force: boolean) => void;
}) {
  const running = workload.state === "running" || workload.state === "restarting" || workload.state === "paused";
  const [force, setForce] = useState(running);
  const forceId = `force-${workload.externalId}`;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Remove container ${workload.name}?`}
      description={
        <>
          The container <span className="font-mono text-fg">{workload.name}</span> and its writable layer are deleted
          from its host. Named volumes stay. This cannot be undone.
        </>
      }
      footer={
        <>
          <Button variant="secondary" onClick={onClose} autoFocus>
            Keep it
          </Button>
          <Button variant="danger" onClick={() => onConfirm(force)}>
            Remove {workload.name}
          </Button>
        </>
      }
    >
      <div className="flex items-start gap-2 rounded-md border border-border bg-canvas/60 px-3 py-2">
        <Checkbox id={forceId} checked={force} onChange={(e) => setForce(e.target.checked)} className="mt-0.5" />
        <label htmlFor={forceId} className="text-sm">
          <span className="font-medium text-fg">Force</span>
          <span className="block text-fg-subtle text-xs">
            Remove it even while it runs (the engine kills it first).
            {running ? " It is running now: without force the engine refuses." : ""}
          </span>
        </label>
      </div>
    </Dialog>
  );
}

/**
 * The buttons and the latest command's state. `compact`: icon buttons for a table row, with
 * the state in a toast.
 */
export function WorkloadActions({ workload, compact = false }: { workload: ActionWorkload; compact?: boolean }) {
  const canOperate = useCan("workloads.operate");
  const run = useRunCommand();
  const [last, setLast] = useState<WorkloadAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  const actions = actionsFor(workload);
  // In a table row a success needs no lasting note; failures stay until dismissed.
  const succeeded = compact && run.command?.state === "succeeded";
  const { reset } = run;
  useEffect(() => {
    if (!succeeded) return;
    const timer = setTimeout(reset, SUCCESS_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [succeeded, reset]);
  // After a remove there is nothing left to offer, but its outcome stays in view.
  if (!canOperate || (actions.length === 0 && last === null)) return null;

  const act = (action: WorkloadAction, force = false) => {
    setLast(action);
    void run.run(workload.hostId, commandForAction(workload, action, force));
  };
  const labels = last ? ACTION_LABELS[last] : null;

  return (
    <div className={cn(!compact && "flex flex-wrap items-start gap-3")}>
      {actions.length > 0 ? (
        <fieldset
          className={cn("m-0 flex min-w-0 items-center gap-1.5 border-0 p-0", compact ? "flex-nowrap" : "flex-wrap")}
          aria-label={`Actions for ${workload.name}`}
        >
          {actions.map((action) => {
            const Icon = ICONS[action];
            const { verb } = ACTION_LABELS[action];
            const onClick = () => (action === "remove" ? setConfirming(true) : act(action));
            return compact ? (
              <Button
                key={action}
                size="icon"
                variant="ghost"
                className="size-7"
                aria-label={`${verb} ${workload.name}`}
                title={`${verb} ${workload.name}`}
                disabled={run.active}
                onClick={onClick}
              >
                <Icon aria-hidden className={cn("size-3.5", action === "remove" && "text-danger")} />
              </Button>
            ) : (
              <Button
                key={action}
                size="sm"
                variant={action === "remove" ? "danger" : "secondary"}
                aria-label={`${verb} ${workload.name}`}
                disabled={run.active}
                onClick={onClick}
              >
                <Icon aria-hidden className="size-3.5" />
                {verb}
              </Button>
            );
          })}
        </fieldset>
      ) : null}
      {labels && compact ? (
        // In the screen's corner rather than the cell, so the table keeps its layout.
        <Toast>
          <CommandStatus
            run={run}
            doing={`${labels.doing} ${workload.name}`}
            done={`${labels.done} ${workload.name}`}
            testId={`action-status-${workload.externalId}`}
            className="whitespace-normal bg-surface-2"
          />
        </Toast>
      ) : null}
      {labels && !compact ? (
        <CommandStatus
          run={run}
          doing={`${labels.doing} ${workload.name}`}
          done={`${labels.done} ${workload.name}`}
          testId={`action-status-${workload.externalId}`}
          className="min-w-72 max-w-2xl flex-1"
        />
      ) : null}
      {workload.kind === "container" ? (
        <RemoveDialog
          key={confirming ? "open" : "closed"}
          workload={workload}
          open={confirming}
          onClose={() => setConfirming(false)}
          onConfirm={(force) => {
            setConfirming(false);
            act("remove", force);
          }}
        />
      ) : null}
    </div>
  );
}
