"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import { useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { errorMessage, isUnauthorized, useTRPC } from "@/lib/trpc";

/** Only same-site paths are followed after sign-in, never another origin. */
function safeNext(value: string | null): string {
  if (!value?.startsWith("/") || value.startsWith("//")) return "/";
  return value;
}

export function LoginForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const emailId = useId();
  const passwordId = useId();
  const errorId = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [missing, setMissing] = useState(false);

  // Someone already signed in has nothing to do here.
  const me = useQuery(trpc.auth.me.queryOptions());
  useEffect(() => {
    if (me.data) router.replace(next);
  }, [me.data, next, router]);

  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.auth.me.queryFilter());
        router.replace(next);
      },
    }),
  );

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const ready = email.trim() !== "" && password !== "";
    setMissing(!ready);
    if (ready) signIn.mutate({ email: email.trim(), password });
  };

  const error = missing
    ? "Enter your email and password."
    : signIn.error
      ? isUnauthorized(signIn.error) || signIn.error.data?.code === "BAD_REQUEST"
        ? "Incorrect email or password. Check both and try again."
        : signIn.error.data?.code === "TOO_MANY_REQUESTS"
          ? "Too many attempts. Wait a minute, then try again."
          : errorMessage(signIn.error)
      : null;

  return (
    <Card className="p-6 shadow-black/40 shadow-xl">
      <h1 className="font-semibold text-fg text-lg tracking-tight">Sign in</h1>
      <p className="mt-1 text-fg-subtle text-sm">Use your Flotilla account to manage your fleet.</p>

      <form className="mt-6 space-y-4" onSubmit={onSubmit} noValidate>
        <div className="space-y-1.5">
          <Label htmlFor={emailId}>Email</Label>
          <Input
            id={emailId}
            name="email"
            type="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            placeholder="you@example.com"
          />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={passwordId}>Password</Label>
          <Input
            id={passwordId}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
        </div>

        {error ? (
          <div
            id={errorId}
            role="alert"
            className="flex items-start gap-2 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-danger text-sm"
          >
            <AlertCircle aria-hidden className="mt-0.5 size-4 shrink-0" />
            <span>{error}</span>
          </div>
        ) : null}

        <Button type="submit" variant="primary" className="w-full justify-center" disabled={signIn.isPending}>
          {signIn.isPending ? <Loader2 aria-hidden className="size-4 animate-spin" /> : null}
          Sign in
        </Button>
      </form>
    </Card>
  );
}
