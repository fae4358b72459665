"use client";

/** Pull an image onto the host from its registry, with the pull's progress streamed live. */
import { Download } from "lucide-react";
import { type FormEvent, useEffect, useEffectEvent, useId, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { LogView } from "@/components/commands/log-view";
import { useRunCommand } from "@/components/commands/use-command";
import { useCommandOutput } from "@/components/commands/use-command-output";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError, Input, Label } from "@/components/ui/input";
import { errorMessage } from "@/lib/trpc";

export function PullImageForm({ hostId, onPulled }: { hostId: string; onPulled: () => void }) {
  const run = useRunCommand();
  const [reference, setReference] = useState("");
  const [pulling, setPulling] = useState("");
  const [error, setError] = useState<string | undefined>();
  const output = useCommandOutput(hostId, run.command?.id ?? null, run.requesting);
  const fieldId = useId();
  const errorId = `${fieldId}-error`;

  const succeeded = run.command?.state === "succeeded";
  const done = useEffectEvent(onPulled);
  useEffect(() => {
    if (succeeded) done();
  }, [succeeded]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const ref = reference.trim();
    if (!ref) {
      setError("Enter an image reference, like nginx:1.27.");
      return;
    }
    setError(undefined);
    setPulling(ref);
    void run.run(hostId, { name: "image.pull", payload: { reference: ref } });
  };

  // The server checks the reference with the protocol's grammar: show its word under the field.
  const refused = run.requestError ? errorMessage(run.requestError) : null;
  const referenceProblem = refused?.startsWith("command.payload.reference: ")
    ? `${pulling} ${refused.slice("command.payload.reference: ".length)}`
    : undefined;

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Pull an image</CardTitle>
          <CardDescription>From its registry, like docker pull. Stored registry credentials are used.</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="space-y-3">
        <form onSubmit={submit} className="flex items-start gap-2" noValidate>
          <div className="flex-1">
            <Label htmlFor={fieldId} className="sr-only">
              Image reference
            </Label>
            <Input
              id={fieldId}
              placeholder="nginx:1.27 or registry:5000/team/app:v2"
              value={reference}
              onChange={(e) => setReference(e.target.value)}
              aria-invalid={error || referenceProblem ? true : undefined}
              aria-describedby={error || referenceProblem ? errorId : undefined}
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
            />
            <FieldError id={errorId}>{error ?? referenceProblem}</FieldError>
          </div>
          <Button type="submit" variant="primary" disabled={run.active}>
            <Download aria-hidden className="size-4" />
            Pull image
          </Button>
        </form>
        {referenceProblem ? null : (
          <CommandStatus run={run} doing={`Pulling ${pulling}`} done={`Pulled ${pulling}`} testId="pull-status" />
        )}
        {run.command && (output.lines.length > 0 || run.active) ? (
          <LogView
            lines={output.lines}
            label={`Output of pulling ${pulling}`}
            className="h-40"
            testId="pull-output"
            empty="The pull's progress shows here."
          />
        ) : null}
      </CardContent>
    </Card>
  );
}
