"use client";

/** /settings/password: change my password; the server ends my other sessions when it changes. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { FieldError, Input, Label } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { ErrorLine, SettingsHeader } from "./settings-header";

/** The server's minimum (org/invitations.ts MIN_PASSWORD_LENGTH and auth.changePassword). */
export const MIN_PASSWORD_LENGTH = 12;

export function PasswordForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { current: useId(), next: useId(), repeat: useId(), error: useId() };
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [problem, setProblem] = useState<string | undefined>();
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrent("");
        setNext("");
        setRepeat("");
        void queryClient.invalidateQueries(trpc.sessions.list.queryFilter());
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.reset();
    if (next.length < MIN_PASSWORD_LENGTH) return setProblem(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (next !== repeat) return setProblem("The two new passwords differ.");
    setProblem(undefined);
    change.mutate({ currentPassword: current, newPassword: next });
  };

  return (
    <>
      <SettingsHeader
        title="Password"
        description="Changing it signs you out of every other browser; this one stays signed in."
      />
      <Card className="max-w-md">
        <CardContent className="pt-4">
          <form onSubmit={submit} className="space-y-3" noValidate>
            <div className="space-y-1.5">
              <Label htmlFor={ids.current}>Current password</Label>
              <Input
                id={ids.current}
                type="password"
                autoComplete="current-password"
                value={current}
                onChange={(e) => setCurrent(e.target.value)}
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={ids.next}>New password</Label>
              <Input
                id={ids.next}
                type="password"
                autoComplete="new-password"
                value={next}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? ids.error : undefined}
                onChange={(e) => setNext(e.target.value)}
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={ids.repeat}>New password again</Label>
              <Input
                id={ids.repeat}
                type="password"
                autoComplete="new-password"
                value={repeat}
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? ids.error : undefined}
                onChange={(e) => setRepeat(e.target.value)}
              />
              <FieldError id={ids.error}>{problem}</FieldError>
            </div>
            <Button type="submit" variant="primary" disabled={!current || !next || change.isPending}>
              Change password
            </Button>
            <ErrorLine>{change.isError ? errorMessage(change.error) : null}</ErrorLine>
            {change.isSuccess ? (
              <p role="status" className="text-ok text-sm">
                Password changed. Your other sessions have ended.
              </p>
            ) : null}
          </form>
        </CardContent>
      </Card>
    </>
  );
}
