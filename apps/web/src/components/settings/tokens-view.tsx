"use client";

/** /settings/tokens: make an API token; mine and my teams' tokens with their scope, last use, expiry; revoke. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMe } from "@/components/shell/require-auth";
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
import { TokenForm } from "./token-form";

function tokenState(t: { revokedAt: unknown; expiresAt: unknown }): "active" | "revoked" | "expired" {
  if (t.revokedAt) return "revoked";
  if (Date.parse(iso(t.expiresAt as string) ?? "") <= Date.now()) return "expired";
  return "active";
}

export function TokensView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.tokens.list.queryFilter()),
    }),
  );
  const teamName = new Map(me.teams.map((t) => [t.id, t.name]));

  return (
    <>
      <SettingsHeader title="API tokens" description="Tokens for automation, hashed on the server and shown once." />
      <TokenForm />
      <ErrorLine>
        {tokens.isError ? errorMessage(tokens.error) : revoke.isError ? errorMessage(revoke.error) : null}
      </ErrorLine>
      <Card>
        <Table aria-label="API tokens">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Name</TableHead>
              <TableHead>Belongs to</TableHead>
              <TableHead>Scope</TableHead>
              <TableHead>Last used</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>State</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!tokens.data ? (
              <TableRow>
                <TableCell colSpan={7}>
                  <Skeleton className="h-5" />
                </TableCell>
              </TableRow>
            ) : tokens.data.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={7} className="py-8 text-center text-fg-subtle">
                  No API tokens yet.
                </TableCell>
              </TableRow>
            ) : (
              tokens.data.map((t) => {
                const state = tokenState(t);
                return (
                  <TableRow key={t.id} data-testid="token-row" data-name={t.name}>
                    <TableCell>
                      <p className="text-fg">{t.name}</p>
                      <p className="font-mono text-fg-subtle text-xs">{t.prefix}…</p>
                    </TableCell>
                    <TableCell>
                      <p>
                        {t.teamId
                          ? `Team ${teamName.get(t.teamId) ?? "?"}`
                          : t.userId === me.user.id
                            ? "Me"
                            : "A member"}
                      </p>
                      <p className="text-fg-subtle text-xs">
                        made by {t.userId === me.user.id ? "me" : t.user.name || t.user.email}
                      </p>
                    </TableCell>
                    <TableCell className="max-w-72 whitespace-normal">
                      <span className="font-mono text-xs">{t.permissions.join(", ")}</span>
                    </TableCell>
                    <TableCell>
                      <RelativeTime value={iso(t.lastUsedAt)} />
                    </TableCell>
                    <TableCell>
                      <AbsoluteTime value={iso(t.expiresAt)} />
                    </TableCell>
                    <TableCell>
                      <Badge tone={state === "active" ? "ok" : "neutral"}>{state}</Badge>
                    </TableCell>
                    <TableCell className="text-right">
                      {state === "active" ? (
                        <Button
                          size="sm"
                          variant="danger"
                          aria-label={`Revoke token ${t.name}`}
                          disabled={revoke.isPending}
                          onClick={() => revoke.mutate({ id: t.id })}
                        >
                          Revoke
                        </Button>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })
            )}
          </TableBody>
        </Table>
      </Card>
    </>
  );
}
