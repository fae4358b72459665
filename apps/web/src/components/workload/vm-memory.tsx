"use client";

/**
 * A running qemu VM's memory, set through the balloon (vm.set_memory): a MiB input bounded by
 * what the VM was allocated, with the command's live state.
 */
import { type FormEvent, useId, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import type { WorkloadDetail } from "@/lib/api-types";

const MIB = 2 ** 20;
/** vm.set_memory's floor. */
const MIN_MIB = 16;

export function VmMemory({ workload: w, locked }: { workload: WorkloadDetail; locked: boolean }) {
  const run = useRunCommand();
  const inputId = useId();
  const maxMiB = w.memoryBytes ? Math.floor(w.memoryBytes / MIB) : null;
  const [value, setValue] = useState(maxMiB ? String(maxMiB) : "");
  const [asked, setAsked] = useState<number | null>(null);
  if (!maxMiB || maxMiB < MIN_MIB || (w.state !== "running" && asked === null)) return null;

  const mib = Number(value);
  const valid = value.trim() !== "" && Number.isInteger(mib) && mib >= MIN_MIB && mib <= maxMiB;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setAsked(mib);
    void run.run(w.host.id, { name: "vm.set_memory", payload: { workloadId: w.externalId, memoryMiB: mib } });
  };

  return (
    <form onSubmit={submit} className="flex flex-wrap items-start gap-3" aria-label={`Memory of ${w.name}`}>
      <div className="flex items-center gap-2">
        <Label htmlFor={inputId} className="whitespace-nowrap">
          Memory (MiB)
        </Label>
        <Input
          id={inputId}
          type="number"
          inputMode="numeric"
          min={MIN_MIB}
          max={maxMiB}
          step={1}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="h-7 w-28"
          aria-describedby={`${inputId}-hint`}
          data-testid="vm-memory-input"
        />
        <span id={`${inputId}-hint`} className="text-fg-subtle text-xs">
          {MIN_MIB}–{maxMiB} MiB
        </span>
        <Button type="submit" size="sm" disabled={locked || run.active || !valid || w.state !== "running"}>
          Set memory
        </Button>
      </div>
      {asked !== null ? (
        <CommandStatus
          run={run}
          doing={`Setting ${w.name}'s memory to ${asked} MiB`}
          done={`Set ${w.name}'s memory to ${asked} MiB`}
          testId={`vm-memory-status-${w.externalId}`}
          className="min-w-72 max-w-2xl flex-1"
        />
      ) : null}
    </form>
  );
}
