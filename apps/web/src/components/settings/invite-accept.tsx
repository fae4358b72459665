"use client";

/**
 * Accepting an invitation: shows the organisation, team and role; then either joins as the
 * signed-in invitee, proves an existing account's password, or makes the account (name and
 * password). The server signs the person in and they land on the dashboard.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Fact } from "@/components/ui/fact";
import { FieldError, Input, Label } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { AbsoluteTime } from "./absolute-time";
import { iso } from "./iso";
import { MIN_PASSWORD_LENGTH } from "./password-form";
import { ErrorLine } from "./settings-header";

export function InviteAccept({ token }: { token: string }) {
  const trpc = useTRPC();
  const preview = useQuery({ ...trpc.invitations.preview.queryOptions({ token }), retry: false });
  const me = useQuery(trpc.auth.me.queryOptions());

  if (preview.isError) {
    return (
      <Card className="p-6">
        <h1 className="font-semibold text-fg text-lg">Invitation</h1>
        <p role="alert" className="mt-2 text-danger text-sm">
          {errorMessage(preview.error)}
        </p>
        <p className="mt-3 text-fg-subtle text-sm">Ask whoever invited you for a new link.</p>
      </Card>
    );
  }
  if (!preview.data || me.isPending) {
    return <Card className="h-64 animate-pulse p-6" aria-busy="true" />;
  }
  const inv = preview.data;
  const signedInAs = me.data?.user.email ?? null;

  return (
    <Card className="space-y-5 p-6 shadow-black/40 shadow-xl">
      <div>
        <h1 className="font-semibold text-fg text-lg tracking-tight">Join {inv.orgName} on Flotilla</h1>
        <p className="mt-1 text-fg-subtle text-sm">You were invited as {inv.email}.</p>
      </div>
      <dl className="grid grid-cols-3 gap-3">
        <Fact label="Organisation" testId="invite-org">
          {inv.orgName}
        </Fact>
        <Fact label="Team" testId="invite-team">
          {inv.teamName}
        </Fact>
        <Fact label="Role" testId="invite-role">
          <span className="capitalize">{inv.role}</span>
        </Fact>
      </dl>
      {inv.state !== "pending" ? (
        <p role="alert" className="text-danger text-sm">
          This invitation is <Badge tone="warn">{inv.state}</Badge>. Ask whoever invited you for a new link.
        </p>
      ) : (
        <>
          <p className="text-fg-subtle text-xs">
            The link works until <AbsoluteTime value={iso(inv.expiresAt)} />.
          </p>
          {signedInAs && signedInAs === inv.email ? (
            <JoinForm token={token} mode="signed-in" email={inv.email} />
          ) : (
            <>
              {signedInAs ? (
                <p className="text-fg-muted text-sm">
                  You are signed in as {signedInAs}. Joining signs you in as {inv.email} instead.
                </p>
              ) : null}
              <JoinForm token={token} mode={inv.accountExists ? "existing" : "new"} email={inv.email} />
            </>
          )}
        </>
      )}
    </Card>
  );
}

function JoinForm({ token, mode, email }: { token: string; mode: "signed-in" | "existing" | "new"; email: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const ids = { name: useId(), password: useId(), repeat: useId(), error: useId() };
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const accept = useMutation(
    trpc.invitations.accept.mutationOptions({
      onSuccess: () => {
        // A new session (or new teams): forget whatever was cached for someone else.
        queryClient.clear();
        router.replace("/");
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === "new") {
      if (!name.trim()) return setProblem("Give your name.");
      if (password.length < MIN_PASSWORD_LENGTH) return setProblem(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
      if (password !== repeat) return setProblem("The two passwords differ.");
    }
    if (mode === "existing" && !password) return setProblem(`Enter the password of ${email}.`);
    setProblem(undefined);
    accept.mutate({
      token,
      ...(mode === "new" ? { name: name.trim() } : {}),
      ...(mode === "signed-in" ? {} : { password }),
    });
  };

  return (
    <form onSubmit={submit} className="space-y-3" noValidate>
      {mode === "new" ? (
        <div className="space-y-1.5">
          <Label htmlFor={ids.name}>Your name</Label>
          <Input id={ids.name} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
      ) : null}
      {mode !== "signed-in" ? (
        <div className="space-y-1.5">
          <Label htmlFor={ids.password}>{mode === "new" ? "Choose a password" : "Your password"}</Label>
          <Input
            id={ids.password}
            type="password"
            autoComplete={mode === "new" ? "new-password" : "current-password"}
            value={password}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? ids.error : undefined}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
      ) : null}
      {mode === "new" ? (
        <div className="space-y-1.5">
          <Label htmlFor={ids.repeat}>Password again</Label>
          <Input
            id={ids.repeat}
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </div>
      ) : null}
      <FieldError id={ids.error}>{problem}</FieldError>
      <ErrorLine>{accept.isError ? errorMessage(accept.error) : null}</ErrorLine>
      <Button type="submit" variant="primary" className="w-full justify-center" disabled={accept.isPending}>
        {accept.isPending ? "Joining…" : mode === "new" ? "Create account and join" : "Join"}
      </Button>
    </form>
  );
}
