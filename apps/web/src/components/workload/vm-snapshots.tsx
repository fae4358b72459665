"use client";

/**
 * A qemu VM's snapshots: listed by asking its agent (vm.snapshot.list's result), taken by name,
 * reverted to and deleted (each asks first, naming the snapshot), every command with its live
 * state. The list is asked for again after a change succeeds.
 */
import { Camera, RefreshCw, RotateCcw, Trash2 } from "lucide-react";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label } from "@/components/ui/input";
import { RelativeTime } from "@/components/ui/relative-time";
import type { WorkloadDetail } from "@/lib/api-types";
import { formatBytes } from "@/lib/format";

interface Snapshot {
  id: string;
  name: string;
  vmStateBytes: number;
  createdAt: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** vm.snapshot.list's result, read defensively (it comes from the agent). */
function snapshotsOf(result: unknown): Snapshot[] | null {
  if (typeof result !== "object" || result === null || !("snapshots" in result)) return null;
  const list = (result as { snapshots: unknown }).snapshots;
  if (!Array.isArray(list)) return null;
  return list.flatMap((s): Snapshot[] => {
    if (typeof s !== "object" || s === null) return [];
    const r = s as Record<string, unknown>;
    if (typeof r.name !== "string") return [];
    return [
      {
        id: String(r.id ?? r.name),
        name: r.name,
        vmStateBytes: Number(r.vmStateBytes ?? 0),
        createdAt: Number(r.createdAt ?? 0),
      },
    ];
  });
}

type Change = { action: "create" | "revert" | "delete"; name: string };
const CHANGE_LABELS = {
  create: { doing: "Taking snapshot", done: "Took snapshot" },
  revert: { doing: "Reverting to snapshot", done: "Reverted to snapshot" },
  delete: { doing: "Deleting snapshot", done: "Deleted snapshot" },
} as const;

export function VmSnapshots({ workload: w, locked }: { workload: WorkloadDetail; locked: boolean }) {
  const list = useRunCommand();
  const change = useRunCommand();
  const [last, setLast] = useState<Change | null>(null);
  const [confirming, setConfirming] = useState<Change | null>(null);
  const [name, setName] = useState("");
  const [snapshots, setSnapshots] = useState<Snapshot[] | null>(null);
  const nameId = useId();

  const hostId = w.host.id;
  const workloadId = w.externalId;
  const { run: runList } = list;
  const refresh = () => void runList(hostId, { name: "vm.snapshot.list", payload: { workloadId } });

  // Asked once when the card appears (a held workload refuses commands: wait for its release).
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current || locked) return;
    asked.current = true;
    void runList(hostId, { name: "vm.snapshot.list", payload: { workloadId } });
  }, [locked, runList, hostId, workloadId]);

  // The newest list stays shown while the next one is asked for.
  const listResult = list.command?.state === "succeeded" ? list.command.result : undefined;
  useEffect(() => {
    const listed = snapshotsOf(listResult);
    if (listed) setSnapshots(listed);
  }, [listResult]);

  // After a change succeeds, the list is asked for again.
  const changed = change.command?.state === "succeeded" ? change.command.id : null;
  useEffect(() => {
    if (changed) void runList(hostId, { name: "vm.snapshot.list", payload: { workloadId } });
  }, [changed, runList, hostId, workloadId]);

  const trimmed = name.trim();
  const nameValid = NAME_RE.test(trimmed);
  const busy = locked || change.active;
  const doChange = (c: Change) => {
    setLast(c);
    const payload = { workloadId, name: c.name };
    const command =
      c.action === "create"
        ? ({ name: "vm.snapshot.create", payload } as const)
        : c.action === "revert"
          ? ({ name: "vm.snapshot.revert", payload } as const)
          : ({ name: "vm.snapshot.delete", payload } as const);
    void change.run(hostId, command);
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    if (!nameValid || busy) return;
    doChange({ action: "create", name: trimmed });
    setName("");
  };

  return (
    <Card data-testid="vm-snapshots">
      <CardHeader>
        <div>
          <CardTitle>Snapshots</CardTitle>
          <CardDescription>Saved states of {w.name}'s disks (and memory, while it runs).</CardDescription>
        </div>
        <Button
          size="sm"
          variant="ghost"
          onClick={refresh}
          disabled={locked || list.active}
          aria-label="Refresh snapshots"
        >
          <RefreshCw aria-hidden className="size-3.5" />
          Refresh
        </Button>
      </CardHeader>
      <CardContent className="space-y-3">
        <form onSubmit={create} className="flex flex-wrap items-center gap-2">
          <Label htmlFor={nameId}>Name</Label>
          <Input
            id={nameId}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="before-upgrade"
            maxLength={63}
            className="h-7 w-56"
            aria-invalid={trimmed !== "" && !nameValid}
            data-testid="vm-snapshot-name"
          />
          <Button type="submit" size="sm" disabled={busy || !nameValid}>
            <Camera aria-hidden className="size-3.5" />
            Take snapshot
          </Button>
          {trimmed !== "" && !nameValid ? (
            <span className="text-danger text-xs">1–63 letters, digits, '.', '_' or '-'.</span>
          ) : null}
        </form>

        {last ? (
          <CommandStatus
            run={change}
            doing={`${CHANGE_LABELS[last.action].doing} ${last.name}`}
            done={`${CHANGE_LABELS[last.action].done} ${last.name}`}
            testId={`vm-snapshot-status-${w.externalId}`}
          />
        ) : null}
        {list.command?.state !== "succeeded" ? (
          <CommandStatus
            run={list}
            doing={`Listing ${w.name}'s snapshots`}
            done={`Listed ${w.name}'s snapshots`}
            testId={`vm-snapshot-list-status-${w.externalId}`}
          />
        ) : null}

        {snapshots === null ? null : snapshots.length === 0 ? (
          <p className="text-fg-subtle text-sm">No snapshots yet.</p>
        ) : (
          <ul className="divide-y divide-border rounded-md border border-border" aria-label={`Snapshots of ${w.name}`}>
            {snapshots.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center gap-3 px-3 py-2 text-sm">
                <span className="font-medium font-mono text-fg">{s.name}</span>
                <span className="text-fg-subtle text-xs">
                  {s.createdAt > 0 ? <RelativeTime value={new Date(s.createdAt).toISOString()} /> : null}
                  {s.vmStateBytes > 0 ? ` · with ${formatBytes(s.vmStateBytes)} of memory` : " · disks only"}
                </span>
                <span className="ml-auto flex gap-1.5">
                  <Button
                    size="sm"
                    variant="secondary"
                    disabled={busy}
                    aria-label={`Revert ${w.name} to ${s.name}`}
                    onClick={() => setConfirming({ action: "revert", name: s.name })}
                  >
                    <RotateCcw aria-hidden className="size-3.5" />
                    Revert
                  </Button>
                  <Button
                    size="sm"
                    variant="danger"
                    disabled={busy}
                    aria-label={`Delete snapshot ${s.name}`}
                    onClick={() => setConfirming({ action: "delete", name: s.name })}
                  >
                    <Trash2 aria-hidden className="size-3.5" />
                    Delete
                  </Button>
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
      <Dialog
        open={confirming !== null}
        onClose={() => setConfirming(null)}
        title={
          confirming?.action === "revert"
            ? `Revert ${w.name} to snapshot ${confirming.name}?`
            : `Delete snapshot ${confirming?.name ?? ""}?`
        }
        description={
          confirming?.action === "revert" ? (
            <>
              {w.name} goes back to <span className="font-mono text-fg">{confirming.name}</span>: everything since it
              was taken is lost.
            </>
          ) : (
            <>
              The snapshot <span className="font-mono text-fg">{confirming?.name}</span> of {w.name} is deleted. This
              cannot be undone.
            </>
          )
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(null)} autoFocus>
              Cancel
            </Button>
            <Button
              variant="danger"
              onClick={() => {
                if (confirming) doChange(confirming);
                setConfirming(null);
              }}
            >
              {confirming?.action === "revert" ? `Revert to ${confirming.name}` : `Delete ${confirming?.name ?? ""}`}
            </Button>
          </>
        }
      />
    </Card>
  );
}
