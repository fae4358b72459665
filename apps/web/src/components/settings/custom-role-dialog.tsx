"use client";

/** Create or edit a custom role: a name and the permissions it grants (never the owner's own). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { PermissionPicker } from "./permission-picker";
import { ErrorLine } from "./settings-header";

/** Organisation-wide powers stay with the owner: the server refuses them in a custom role. */
export const OWNER_ONLY = new Set(["org.manage", "audit.read"]);

export function CustomRoleDialog({
  role,
  permissions,
  onClose,
}: {
  /** The role to edit, or null to create one. */
  role: { id: string; name: string; permissions: string[] } | null;
  permissions: readonly string[];
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const nameId = useId();
  const [name, setName] = useState(role?.name ?? "");
  const [chosen, setChosen] = useState<Set<string>>(new Set(role?.permissions ?? ["fleet.read"]));
  const done = async () => {
    await queryClient.invalidateQueries(trpc.roles.list.queryFilter());
    onClose();
  };
  const create = useMutation(trpc.roles.createCustom.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.roles.updateCustom.mutationOptions({ onSuccess: done }));
  const pending = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const save = () => {
    const input = { name: name.trim(), permissions: [...chosen] };
    if (role) update.mutate({ id: role.id, ...input });
    else create.mutate(input);
  };

  return (
    <Dialog
      open
      onClose={onClose}
      title={role ? `Edit ${role.name}` : "New custom role"}
      description="A role made of the permissions you pick, to give people in a team."
      className="max-w-2xl"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" disabled={pending || !name.trim() || chosen.size === 0} onClick={save}>
            {role ? "Save" : "Create role"}
          </Button>
        </>
      }
    >
      <div className="space-y-1.5">
        <Label htmlFor={nameId}>Name</Label>
        <Input id={nameId} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
      </div>
      <PermissionPicker
        legend="Permissions"
        options={permissions.filter((p) => !OWNER_ONLY.has(p))}
        value={chosen}
        onChange={setChosen}
      />
      <ErrorLine>{error ? errorMessage(error) : null}</ErrorLine>
    </Dialog>
  );
}
