"use client";

/** /settings/invitations: invite by link; the invitations of my teams with their state; revoke. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { AbsoluteTime } from "./absolute-time";
import { InviteForm } from "./invite-form";
import { iso } from "./iso";
import { ErrorLine, SettingsHeader } from "./settings-header";

const STATE_TONE: Record<string, BadgeTone> = {
  pending: "info",
  accepted: "ok",
  revoked: "neutral",
  expired: "warn",
};

export function InvitationsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitations.list.queryOptions({}));
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.invitations.list.queryFilter()),
    }),
  );

  return (
    <>
      <SettingsHeader title="Invitations" description="Links that let someone join one of your teams." />
      <InviteForm />
      <ErrorLine>
        {invitations.isError ? errorMessage(invitations.error) : revoke.isError ? errorMessage(revoke.error) : null}
      </ErrorLine>
      <Card>
        <Table aria-label="Invitations">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Email</TableHead>
              <TableHead>Team</TableHead>
              <TableHead>Role</TableHead>
              <TableHead>State</TableHead>
              <TableHead>Created</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!invitations.data ? (
              <TableRow>
                <TableCell colSpan={7}>
                  <Skeleton className="h-5" />
                </TableCell>
              </TableRow>
            ) : invitations.data.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={7} className="py-8 text-center text-fg-subtle">
                  No invitations yet.
                </TableCell>
              </TableRow>
            ) : (
              invitations.data.map((inv) => (
                <TableRow key={inv.id} data-testid="invitation-row" data-email={inv.email}>
                  <TableCell className="text-fg">{inv.email}</TableCell>
                  <TableCell>{inv.teamName}</TableCell>
                  <TableCell className="capitalize">{inv.role}</TableCell>
                  <TableCell>
                    <Badge tone={STATE_TONE[inv.state] ?? "neutral"}>{inv.state}</Badge>
                  </TableCell>
                  <TableCell>
                    <RelativeTime value={iso(inv.createdAt)} />
                  </TableCell>
                  <TableCell>
                    <AbsoluteTime value={iso(inv.expiresAt)} />
                  </TableCell>
                  <TableCell className="text-right">
                    {inv.state === "pending" ? (
                      <Button
                        size="sm"
                        variant="danger"
                        aria-label={`Revoke the invitation of ${inv.email}`}
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate({ id: inv.id })}
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </Card>
    </>
  );
}
