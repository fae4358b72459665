"use client";

/**
 * A qemu VM's power actions beyond start and stop: Pause or Resume, Reboot, Shut down (ACPI,
 * the guest powers itself off) and Power off (pulls the plug; asks first, naming the VM). Each
 * click asks the host's agent with a fresh idempotency key and shows the command's live state.
 */
import { Pause, Play, Power, PowerOff, RotateCw } from "lucide-react";
import { useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import type { WorkloadDetail } from "@/lib/api-types";

type PowerAction = "pause" | "resume" | "reboot" | "shutdown" | "poweroff";

const LABELS: Record<PowerAction, { verb: string; doing: string; done: string }> = {
  pause: { verb: "Pause", doing: "Pausing", done: "Paused" },
  resume: { verb: "Resume", doing: "Resuming", done: "Resumed" },
  reboot: { verb: "Reboot", doing: "Rebooting", done: "Rebooted" },
  shutdown: { verb: "Shut down", doing: "Shutting down", done: "Shut down" },
  poweroff: { verb: "Power off", doing: "Powering off", done: "Powered off" },
};
const ICONS = { pause: Pause, resume: Play, reboot: RotateCw, shutdown: Power, poweroff: PowerOff } as const;

/** The actions that make sense in `state`, in display order. */
function powerActionsFor(state: string): PowerAction[] {
  if (state === "paused") return ["resume", "poweroff"];
  if (state === "running") return ["pause", "reboot", "shutdown", "poweroff"];
  return [];
}

export function VmPowerActions({ workload: w, locked }: { workload: WorkloadDetail; locked: boolean }) {
  const run = useRunCommand();
  const [last, setLast] = useState<PowerAction | null>(null);
  const [confirming, setConfirming] = useState(false);
  const actions = powerActionsFor(w.state);
  if (actions.length === 0 && last === null) return null;

  const act = (action: PowerAction) => {
    setLast(action);
    const workloadId = w.externalId;
    const command =
      action === "pause"
        ? ({ name: "vm.pause", payload: { workloadId } } as const)
        : action === "resume"
          ? ({ name: "vm.resume", payload: { workloadId } } as const)
          : action === "reboot"
            ? ({ name: "vm.reboot", payload: { workloadId } } as const)
            : action === "shutdown"
              ? ({ name: "vm.shutdown", payload: { workloadId } } as const)
              : ({ name: "vm.poweroff", payload: { workloadId } } as const);
    void run.run(w.host.id, command);
  };
  const labels = last ? LABELS[last] : null;

  return (
    <div className="flex flex-wrap items-start gap-3">
      {actions.length > 0 ? (
        <fieldset
          className="m-0 flex min-w-0 flex-wrap items-center gap-1.5 border-0 p-0"
          aria-label={`VM actions for ${w.name}`}
          data-testid="vm-actions"
        >
          {actions.map((action) => {
            const Icon = ICONS[action];
            const { verb } = LABELS[action];
            return (
              <Button
                key={action}
                size="sm"
                variant={action === "poweroff" ? "danger" : "secondary"}
                aria-label={`${verb} ${w.name}`}
                disabled={locked || run.active}
                onClick={() => (action === "poweroff" ? setConfirming(true) : act(action))}
              >
                <Icon aria-hidden className="size-3.5" />
                {verb}
              </Button>
            );
          })}
        </fieldset>
      ) : null}
      {labels ? (
        <CommandStatus
          run={run}
          doing={`${labels.doing} ${w.name}`}
          done={`${labels.done} ${w.name}`}
          testId={`vm-action-status-${w.externalId}`}
          className="min-w-72 max-w-2xl flex-1"
        />
      ) : null}
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={`Power off VM ${w.name}?`}
        description={
          <>
            The VM <span className="font-mono text-fg">{w.name}</span> stops at once, like pulling its power cord: the
            guest gets no chance to shut down and unsaved data in it is lost. Prefer Shut down when the guest responds.
          </>
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)} autoFocus>
              Keep it running
            </Button>
            <Button
              variant="danger"
              onClick={() => {
                setConfirming(false);
                act("poweroff");
              }}
            >
              Power off {w.name}
            </Button>
          </>
        }
      />
    </div>
  );
}
