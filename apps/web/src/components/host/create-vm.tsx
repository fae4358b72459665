"use client";

/**
 * The host page's "Create VM" (qemu or libvirt hosts, roles that may operate workloads): a dialog asking
 * for the VM's name, template disk, vCPUs, memory, an optional blank extra disk (its size) and
 * whether to start it, then vm.create with the command's live state and, once it succeeded,
 * a link to the new workload.
 */
import { useQuery } from "@tanstack/react-query";
import { Plus } from "lucide-react";
import Link from "next/link";
import { type FormEvent, useId, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Checkbox, Input, Label } from "@/components/ui/input";
import type { HostDetail } from "@/lib/api-types";
import { useTRPC } from "@/lib/trpc";

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** vm.create's result's workload id, read defensively (it comes from the agent). */
function createdIdOf(result: unknown): string | null {
  if (typeof result !== "object" || result === null || !("workloadId" in result)) return null;
  const id = (result as { workloadId: unknown }).workloadId;
  return typeof id === "string" && id !== "" ? id : null;
}

function intIn(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= min && n <= max ? n : null;
}

/** Only for roles that may operate workloads; the header mounts it on hosts with the qemu or libvirt driver. */
export function CreateVm({ host }: { host: HostDetail }) {
  if (!useCan("workloads.operate")) return null;
  return <CreateVmAction host={host} />;
}

function CreateVmAction({ host }: { host: HostDetail }) {
  const trpc = useTRPC();
  const run = useRunCommand();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [templateDisk, setTemplateDisk] = useState("");
  const [vcpus, setVcpus] = useState("1");
  const [memory, setMemory] = useState("512");
  const [diskSize, setDiskSize] = useState("");
  const [start, setStart] = useState(true);
  const [asked, setAsked] = useState<string | null>(null);
  const ids = { name: useId(), disk: useId(), vcpus: useId(), memory: useId(), size: useId(), start: useId() };

  const trimmed = name.trim();
  const nameValid = NAME_RE.test(trimmed);
  const diskValid = /^\/\S/.test(templateDisk.trim());
  const vcpusN = intIn(vcpus, 1, 256);
  const memoryN = intIn(memory, 16, 4 * 1024 * 1024);
  const sizeN = diskSize.trim() === "" ? undefined : intIn(diskSize, 1, Number.MAX_SAFE_INTEGER);
  const valid = nameValid && diskValid && vcpusN !== null && memoryN !== null && sizeN !== null;

  // The new workload's page, once the host has reported it (its page is keyed by our id, not the agent's).
  const createdId = run.command?.state === "succeeded" ? createdIdOf(run.command.result) : null;
  const workloads = useQuery({
    ...trpc.fleet.workloads.queryOptions({ hostId: host.id }),
    enabled: createdId !== null,
    refetchInterval: (q) =>
      createdId !== null && !(q.state.data ?? []).some((w) => w.externalId === createdId) ? 3000 : false,
  });
  const created = createdId ? (workloads.data ?? []).find((w) => w.externalId === createdId) : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || run.active || vcpusN === null || memoryN === null || sizeN === null) return;
    setAsked(trimmed);
    setOpen(false);
    void run.run(host.id, {
      name: "vm.create",
      payload: {
        name: trimmed,
        templateDisk: templateDisk.trim(),
        vcpus: vcpusN,
        memoryMiB: memoryN,
        extraDisksMiB: sizeN !== undefined ? [sizeN] : [],
        network: { mode: "none" },
        labels: {},
        start,
      },
    });
  };

  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        size="sm"
        variant="secondary"
        aria-label={`Create VM on ${host.name}`}
        disabled={run.active}
        onClick={() => setOpen(true)}
        data-testid="create-vm"
      >
        <Plus aria-hidden className="size-3.5" />
        Create VM
      </Button>
      {asked ? (
        <div className="flex min-w-72 max-w-2xl flex-1 flex-col gap-1">
          <CommandStatus
            run={run}
            doing={`Creating VM ${asked} on ${host.name}`}
            done={`Created VM ${asked} on ${host.name}`}
            testId={`create-vm-status-${host.id}`}
          />
          {createdId ? (
            created ? (
              <Link href={`/workloads/${created.id}`} className="text-accent text-sm hover:underline">
                Open {created.name}
              </Link>
            ) : (
              <span className="text-fg-subtle text-xs">
                Waiting for {host.name} to report {asked}…
              </span>
            )
          ) : null}
        </div>
      ) : null}
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Create a VM on ${host.name}`}
        description="Its first disk is a copy-on-write overlay on the template disk, which must not change afterwards."
      >
        <form onSubmit={submit} className="space-y-3" aria-label={`Create a VM on ${host.name}`}>
          <div className="space-y-1">
            <Label htmlFor={ids.name}>Name</Label>
            <Input
              id={ids.name}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="web-vm-1"
              maxLength={63}
              required
              aria-invalid={trimmed !== "" && !nameValid}
            />
            {trimmed !== "" && !nameValid ? (
              <span className="text-danger text-xs">1–63 letters, digits, '.', '_' or '-'.</span>
            ) : null}
          </div>
          <div className="space-y-1">
            <Label htmlFor={ids.disk}>Template disk (path on the host)</Label>
            <Input
              id={ids.disk}
              value={templateDisk}
              onChange={(e) => setTemplateDisk(e.target.value)}
              placeholder="/var/lib/flotilla/templates/debian-12.qcow2"
              maxLength={4096}
              required
              aria-invalid={templateDisk.trim() !== "" && !diskValid}
            />
            {templateDisk.trim() !== "" && !diskValid ? (
              <span className="text-danger text-xs">An absolute path, starting with '/'.</span>
            ) : null}
          </div>
          <div className="grid grid-cols-3 gap-3">
            <div className="space-y-1">
              <Label htmlFor={ids.vcpus}>vCPUs</Label>
              <Input
                id={ids.vcpus}
                type="number"
                min={1}
                max={256}
                value={vcpus}
                onChange={(e) => setVcpus(e.target.value)}
                aria-invalid={vcpusN === null}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={ids.memory}>Memory (MiB)</Label>
              <Input
                id={ids.memory}
                type="number"
                min={16}
                value={memory}
                onChange={(e) => setMemory(e.target.value)}
                aria-invalid={memoryN === null}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={ids.size}>Extra disk size (MiB, optional)</Label>
              <Input
                id={ids.size}
                type="number"
                min={1}
                value={diskSize}
                onChange={(e) => setDiskSize(e.target.value)}
                aria-invalid={sizeN === null}
              />
            </div>
          </div>
          <div className="flex items-center gap-2">
            <Checkbox id={ids.start} checked={start} onChange={(e) => setStart(e.target.checked)} />
            <Label htmlFor={ids.start}>Start after creating</Label>
          </div>
          <div className="flex justify-end gap-2 pt-1">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" disabled={!valid || run.active}>
              Create {trimmed || "VM"}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
