"use client";

/**
 * /settings/roles: the one role -> permission table as a matrix (a row per permission, a
 * column per role, built-in then custom); the owner creates, edits and deletes custom roles.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Check, Minus } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { ConfirmDialog } from "./confirm-dialog";
import { CustomRoleDialog } from "./custom-role-dialog";
import { PERMISSION_HELP } from "./permission-picker";
import { ErrorLine, SettingsHeader } from "./settings-header";
import { useHeld } from "./use-held";

interface Column {
  key: string;
  name: string;
  permissions: ReadonlySet<string>;
  custom?: { id: string; name: string; permissions: string[] };
}

export function RolesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useHeld().any("org.manage");
  const roles = useQuery(trpc.roles.list.queryOptions());
  const [editing, setEditing] = useState<Column["custom"] | "new" | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const remove = useMutation(
    trpc.roles.deleteCustom.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.roles.list.queryFilter());
        setDeleting(null);
      },
    }),
  );

  const columns: Column[] = roles.data
    ? [
        ...roles.data.builtIn.map((r) => ({ key: r.role, name: r.role, permissions: new Set<string>(r.permissions) })),
        ...roles.data.custom.map((c) => ({ key: c.id, name: c.name, permissions: new Set(c.permissions), custom: c })),
      ]
    : [];

  return (
    <>
      <SettingsHeader
        title="Roles"
        description="What each role may do. Every request is checked against this table on the server."
        action={
          canManage ? (
            <Button variant="primary" onClick={() => setEditing("new")}>
              New custom role
            </Button>
          ) : null
        }
      />
      <ErrorLine>{roles.isError ? errorMessage(roles.error) : null}</ErrorLine>
      {!roles.data ? (
        <Skeleton className="h-64" />
      ) : (
        <Card>
          <Table aria-label="Role permissions">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>Permission</TableHead>
                {columns.map((c) => (
                  <TableHead key={c.key} className="text-center">
                    <span className={c.custom ? "normal-case" : "capitalize"}>{c.name}</span>
                    {c.custom && canManage ? (
                      <span className="mt-1 flex justify-center gap-1 normal-case">
                        <button
                          type="button"
                          className="text-accent hover:underline"
                          onClick={() => setEditing(c.custom)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="text-danger hover:underline"
                          aria-label={`Delete role ${c.name}`}
                          onClick={() => c.custom && setDeleting({ id: c.custom.id, name: c.name })}
                        >
                          Delete
                        </button>
                      </span>
                    ) : null}
                  </TableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {roles.data.permissions.map((p) => (
                <TableRow key={p}>
                  <TableCell>
                    <span className="font-mono text-fg text-xs">{p}</span>
                    <span className="block text-fg-subtle text-xs">{PERMISSION_HELP[p] ?? ""}</span>
                  </TableCell>
                  {columns.map((c) => (
                    <TableCell key={c.key} className="text-center">
                      {c.permissions.has(p) ? (
                        <Check aria-label={`${c.name} has ${p}`} className="mx-auto size-4 text-ok" />
                      ) : (
                        <Minus aria-label={`${c.name} lacks ${p}`} className="mx-auto size-4 text-fg-subtle/50" />
                      )}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the role ${deleting?.name ?? ""}?`}
        description="People who hold it keep their base role in their team (viewer unless set otherwise)."
        confirmLabel="Delete role"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
      />
      {editing !== null && roles.data ? (
        <CustomRoleDialog
          role={editing === "new" ? null : (editing ?? null)}
          permissions={roles.data.permissions}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}
