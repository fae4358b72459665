"use client";

/** /settings/sessions: where I am signed in (address, browser, last seen); end one, or sign out everywhere. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { AbsoluteTime } from "./absolute-time";
import { iso } from "./iso";
import { ErrorLine, SettingsHeader } from "./settings-header";

export function SessionsView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const sessions = useQuery(trpc.sessions.list.queryOptions());
  const signedOut = () => {
    queryClient.clear();
    router.replace("/login");
  };
  const revoke = useMutation(
    trpc.sessions.revoke.mutationOptions({
      onSuccess: (_data, input) => {
        if (sessions.data?.find((s) => s.handle === input.handle)?.current) signedOut();
        else void queryClient.invalidateQueries(trpc.sessions.list.queryFilter());
      },
    }),
  );
  const revokeOthers = useMutation(
    trpc.sessions.revokeAll.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.sessions.list.queryFilter()),
    }),
  );
  const revokeAll = useMutation(trpc.sessions.revokeAll.mutationOptions({ onSuccess: signedOut }));
  const error = sessions.error ?? revoke.error ?? revokeOthers.error ?? revokeAll.error;

  return (
    <>
      <SettingsHeader
        title="Sessions"
        description="Browsers signed in to your account. End any you do not recognise."
        action={
          <div className="flex gap-2">
            <Button disabled={revokeOthers.isPending} onClick={() => revokeOthers.mutate({ keepCurrent: true })}>
              Sign out other sessions
            </Button>
            <Button
              variant="danger"
              disabled={revokeAll.isPending}
              onClick={() => revokeAll.mutate({ keepCurrent: false })}
            >
              Sign out everywhere
            </Button>
          </div>
        }
      />
      <ErrorLine>{error ? errorMessage(error) : null}</ErrorLine>
      {revokeOthers.data ? (
        <p role="status" className="text-fg-muted text-sm">
          Ended {revokeOthers.data.ended} other session{revokeOthers.data.ended === 1 ? "" : "s"}.
        </p>
      ) : null}
      <Card>
        <Table aria-label="Sessions">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Browser</TableHead>
              <TableHead>Address</TableHead>
              <TableHead>Signed in</TableHead>
              <TableHead>Last seen</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!sessions.data ? (
              <TableRow>
                <TableCell colSpan={6}>
                  <Skeleton className="h-5" />
                </TableCell>
              </TableRow>
            ) : (
              sessions.data.map((s) => (
                <TableRow key={s.handle} data-testid="session-row">
                  <TableCell className="max-w-96 whitespace-normal">
                    <span className="text-fg text-xs">{s.userAgent || "Unknown browser"}</span>{" "}
                    {s.current ? <Badge tone="ok">this browser</Badge> : null}
                  </TableCell>
                  <TableCell className="font-mono text-xs">{s.ip ?? "unknown"}</TableCell>
                  <TableCell>
                    <RelativeTime value={iso(s.createdAt)} />
                  </TableCell>
                  <TableCell>
                    <RelativeTime value={iso(s.lastSeenAt)} />
                  </TableCell>
                  <TableCell>
                    <AbsoluteTime value={iso(s.expiresAt)} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Button
                      size="sm"
                      variant="danger"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate({ handle: s.handle })}
                    >
                      {s.current ? "Sign out" : "End session"}
                    </Button>
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
