"use client";

/**
 * A qemu or libvirt VM's Clone (a dialog: the new VM's name, full or linked copy; libvirt: full only) and Delete VM (only while
 * it is stopped; asks first, naming the VM, whether its disks go too). Each asks the host's agent
 * with a fresh idempotency key and shows the command's live state.
 */
import { Copy, Trash2 } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Checkbox, Input, Label } from "@/components/ui/input";
import type { WorkloadDetail } from "@/lib/api-types";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const STOPPED_STATES = ["stopped", "created", "exited", "dead"];

type CloneMode = "full" | "linked";
type Last = { action: "clone"; name: string } | { action: "delete" };

export function VmCloneDelete({ workload: w, locked }: { workload: WorkloadDetail; locked: boolean }) {
  const run = useRunCommand();
  const [last, setLast] = useState<Last | null>(null);
  const [cloning, setCloning] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [name, setName] = useState("");
  const [mode, setMode] = useState<CloneMode>("full");
  const [deleteDisks, setDeleteDisks] = useState(false);
  const nameId = useId();
  const modeName = useId();
  const disksId = useId();

  const stopped = STOPPED_STATES.includes(w.state);
  const busy = locked || run.active;
  const trimmed = name.trim();
  const nameValid = NAME_RE.test(trimmed);
  const workloadId = w.externalId;
  // libvirt keeps no template mark, so its agent refuses linked clones: not offered.
  const linkedOffered = w.driver !== "libvirt";

  const clone = (e: FormEvent) => {
    e.preventDefault();
    if (!nameValid || busy) return;
    setLast({ action: "clone", name: trimmed });
    setCloning(false);
    void run.run(w.host.id, { name: "vm.clone", payload: { workloadId, name: trimmed, mode } });
    setName("");
  };
  const remove = () => {
    setDeleting(false);
    setLast({ action: "delete" });
    void run.run(w.host.id, { name: "vm.delete", payload: { workloadId, deleteDisks } });
  };

  return (
    <div className="flex flex-wrap items-start gap-3">
      <fieldset
        className="m-0 flex min-w-0 flex-wrap items-center gap-1.5 border-0 p-0"
        aria-label={`Clone or delete ${w.name}`}
        data-testid="vm-clone-delete"
      >
        <Button
          size="sm"
          variant="secondary"
          aria-label={`Clone ${w.name}`}
          disabled={busy}
          onClick={() => setCloning(true)}
        >
          <Copy aria-hidden className="size-3.5" />
          Clone
        </Button>
        {stopped ? (
          <Button
            size="sm"
            variant="danger"
            aria-label={`Delete VM ${w.name}`}
            disabled={busy}
            onClick={() => {
              setDeleteDisks(false);
              setDeleting(true);
            }}
          >
            <Trash2 aria-hidden className="size-3.5" />
            Delete VM
          </Button>
        ) : null}
      </fieldset>
      {last ? (
        <CommandStatus
          run={run}
          doing={last.action === "clone" ? `Cloning ${w.name} as ${last.name}` : `Deleting VM ${w.name}`}
          done={last.action === "clone" ? `Cloned ${w.name} as ${last.name}` : `Deleted VM ${w.name}`}
          testId={`vm-clone-delete-status-${w.externalId}`}
          className="min-w-72 max-w-2xl flex-1"
        />
      ) : null}

      <Dialog
        open={cloning}
        onClose={() => setCloning(false)}
        title={`Clone VM ${w.name}`}
        description={
          <>
            A new VM on the same host with a copy of <span className="font-mono text-fg">{w.name}</span>'s disks.
          </>
        }
      >
        <form onSubmit={clone} className="space-y-3" aria-label={`Clone ${w.name}`}>
          <div className="space-y-1">
            <Label htmlFor={nameId}>New name</Label>
            <Input
              id={nameId}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder={`${w.name}-copy`.slice(0, 63)}
              maxLength={63}
              required
              aria-invalid={trimmed !== "" && !nameValid}
            />
            {trimmed !== "" && !nameValid ? (
              <span className="text-danger text-xs">1–63 letters, digits, '.', '_' or '-'.</span>
            ) : null}
          </div>
          <fieldset className="m-0 space-y-1.5 border-0 p-0">
            <legend className="mb-1 font-medium text-fg text-sm">Copy</legend>
            <label className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name={modeName}
                value="full"
                checked={mode === "full"}
                onChange={() => setMode("full")}
                className="mt-0.5 accent-accent"
              />
              <span>
                Full <span className="block text-fg-subtle text-xs">Standalone copies of the disks.</span>
              </span>
            </label>
            {linkedOffered ? (
              <label className="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  name={modeName}
                  value="linked"
                  checked={mode === "linked"}
                  onChange={() => setMode("linked")}
                  className="mt-0.5 accent-accent"
                />
                <span>
                  Linked{" "}
                  <span className="block text-fg-subtle text-xs">
                    Overlays on this VM's disks: fast and small, but only for a template VM (the agent refuses others).
                  </span>
                </span>
              </label>
            ) : null}
          </fieldset>
          <div className="flex justify-end gap-2 pt-1">
            <Button variant="secondary" onClick={() => setCloning(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={!nameValid || busy}>
              Clone as {trimmed || "…"}
            </Button>
          </div>
        </form>
      </Dialog>

      <Dialog
        open={deleting}
        onClose={() => setDeleting(false)}
        title={`Delete VM ${w.name}?`}
        description={
          <>
            The VM <span className="font-mono text-fg">{w.name}</span> is removed from its host. This cannot be undone.
          </>
        }
        footer={
          <>
            <Button variant="secondary" onClick={() => setDeleting(false)} autoFocus>
              Keep it
            </Button>
            <Button variant="danger" onClick={remove}>
              Delete {w.name}
            </Button>
          </>
        }
      >
        <div className="flex items-center gap-2">
          <Checkbox id={disksId} checked={deleteDisks} onChange={(e) => setDeleteDisks(e.target.checked)} />
          <Label htmlFor={disksId}>Delete its disks</Label>
        </div>
      </Dialog>
    </div>
  );
}
