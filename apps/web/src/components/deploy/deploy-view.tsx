"use client";

/**
 * The Deploy page: a form that reads like `docker run` (image, name, ports, env, volumes,
 * command, restart policy, limits, labels) and a placement: one container on a chosen host, or
 * a deployment of replicas the scheduler spreads or binpacks. Problems show on their fields,
 * whether found here or by the server's schema; progress and the result show beside the form.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Rocket } from "lucide-react";
import { useSearchParams } from "next/navigation";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useRunCommand } from "@/components/commands/use-command";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import {
  buildCreatePayload,
  type DeployFormValues,
  deploymentConfigOf,
  emptyDeployForm,
  type FieldErrors,
  fieldErrorsFromServer,
  type RowIndex,
} from "@/lib/deploy-form";
import { dockerRunPreview } from "@/lib/docker-run";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { DeployFields } from "./deploy-fields";
import { type Placement, PlacementFields } from "./deploy-placement";
import { DeploymentProgress, SingleDeployProgress } from "./deploy-progress";
import { Section } from "./deploy-section";

export function DeployView() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const canRun = useCan("workloads.operate");
  const canDeployments = useCan("deploy.manage");
  const hosts = useQuery(trpc.fleet.hosts.queryOptions());
  const [values, setValues] = useState<DeployFormValues>(emptyDeployForm);
  const [placement, setPlacement] = useState<Placement>("host");
  const [hostId, setHostId] = useState(params.get("host") ?? "");
  const [replicas, setReplicas] = useState("2");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitted, setSubmitted] = useState<{ title: string; hostId: string } | null>(null);
  const [deploymentId, setDeploymentId] = useState<string | null>(null);
  const rows = useRef<RowIndex | null>(null);
  const run = useRunCommand();
  const createDeployment = useMutation(trpc.deploy.create.mutationOptions());

  // Default to the first online host once the list is in.
  useEffect(() => {
    if (hostId || !hosts.data) return;
    const first = hosts.data.find((h) => h.status === "online");
    if (first) setHostId(first.id);
  }, [hosts.data, hostId]);

  const built = useMemo(() => buildCreatePayload(values), [values]);
  const refusal = run.requestError ?? createDeployment.error;

  // The server validated with the protocol's schema: put what it found on the fields.
  useEffect(() => {
    if (!refusal || !rows.current) return;
    setErrors(fieldErrorsFromServer(errorMessage(refusal), rows.current));
  }, [refusal]);

  const set = <K extends keyof DeployFormValues>(key: K, value: DeployFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    // An edited field's error is stale: it comes back on the next Deploy if it still holds.
    const stale = (k: string) => k === key || k.startsWith(`${key}.`) || (key === "restart" && k === "maxRetries");
    setErrors((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => !stale(k))));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: FieldErrors = { ...built.errors };
    const name = values.name.trim();
    const count = Number(replicas);
    if (placement === "host" && !hostId) found.hostId = "Choose the host to run it on.";
    if (placement !== "host") {
      if (!name) found.name = "Name the deployment: its containers are named after it.";
      if (!Number.isInteger(count) || count < 1 || count > 100) found.replicas = "Enter 1 to 100 replicas.";
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('form [aria-invalid="true"]')?.focus());
      return;
    }
    rows.current = built.rows;
    run.reset();
    createDeployment.reset();
    setDeploymentId(null);
    const title = name ? `${name} from ${built.payload.image}` : built.payload.image;
    setSubmitted({ title, hostId });
    if (placement === "host") {
      await run.run(hostId, { name: "container.create", payload: built.payload });
    } else {
      createDeployment.mutate(
        {
          name,
          image: built.payload.image,
          config: deploymentConfigOf(built.payload),
          replicas: count,
          strategy: placement,
        },
        { onSuccess: (d) => setDeploymentId(d.id) },
      );
    }
  };

  if (!canRun && !canDeployments) {
    return (
      <Card className="mx-auto mt-10 max-w-md px-6 py-8 text-center">
        <title>Deploy · Flotilla</title>
        <h1 className="font-semibold text-fg text-lg">Deploying needs the operator role</h1>
        <p className="mt-2 text-fg-subtle text-sm">Ask an administrator of your organisation for it.</p>
      </Card>
    );
  }

  const busy = run.active || createDeployment.isPending;
  const formProblem = errors.form;
  const fieldCount = Object.keys(errors).filter((k) => k !== "form").length;
  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      <title>Deploy · Flotilla</title>
      <header>
        <h1 className="font-semibold text-fg text-xl tracking-tight">Deploy</h1>
        <p className="text-fg-subtle text-sm">
          Run a container from an image, as docker run would, on one host or as replicas.
        </p>
      </header>
      <div className="grid items-start gap-5 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-4">
          <DeployFields values={values} set={set} errors={errors} nameRequired={placement !== "host"} />
        </div>
        <div className="space-y-4 xl:sticky xl:top-20">
          <Section title="Placement">
            <PlacementFields
              placement={placement}
              onPlacement={setPlacement}
              deployments={canDeployments}
              hosts={hosts.data}
              hostId={hostId}
              onHostId={setHostId}
              replicas={replicas}
              onReplicas={setReplicas}
              payload={built.payload}
              errors={errors}
            />
          </Section>
          <Card className="space-y-3 p-4">
            {placement === "host" ? (
              <div>
                <p className="mb-1 text-[11px] text-fg-subtle uppercase tracking-wider">Equivalent command</p>
                <pre
                  className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-canvas p-2 font-mono text-[11px] text-fg-muted"
                  data-testid="docker-run-preview"
                >
                  {dockerRunPreview(built.payload)}
                </pre>
              </div>
            ) : null}
            {fieldCount > 0 || formProblem ? (
              <p role="alert" className="text-danger text-sm">
                {formProblem ??
                  `Fix the ${fieldCount === 1 ? "highlighted field" : `${fieldCount} highlighted fields`}, then deploy again.`}
              </p>
            ) : null}
            <Button
              type="submit"
              variant="primary"
              className="w-full justify-center"
              disabled={busy || (placement === "host" ? !canRun : !canDeployments)}
            >
              <Rocket aria-hidden className="size-4" />
              {busy ? "Deploying…" : placement === "host" ? "Deploy" : "Create deployment"}
            </Button>
            {submitted && placement === "host" && (run.command || run.requesting) ? (
              <SingleDeployProgress run={run} hostId={submitted.hostId} title={submitted.title} />
            ) : null}
            {placement !== "host" && deploymentId ? <DeploymentProgress id={deploymentId} /> : null}
          </Card>
        </div>
      </div>
    </form>
  );
}
