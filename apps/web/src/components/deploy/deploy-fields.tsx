"use client";

/** The container part of the Deploy form, section by section as `docker run` takes it. */
import type { ReactNode } from "react";
import { FieldError, Input, Label, Select } from "@/components/ui/input";
import type { DeployFormValues, FieldErrors, RestartName } from "@/lib/deploy-form";
import { parseMemory } from "@/lib/docker-run";
import { formatBytes } from "@/lib/format";
import { KeyValueRows, PortRows, VolumeRows } from "./deploy-rows";
import { Section } from "./deploy-section";

export interface DeployFieldsProps {
  values: DeployFormValues;
  set: <K extends keyof DeployFormValues>(key: K, value: DeployFormValues[K]) => void;
  errors: FieldErrors;
  /** A deployment needs a name (its containers are named after it); a single container does not. */
  nameRequired: boolean;
}

/** A labelled input with its hint and error, linked for assistive technology. */
function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error: string | undefined;
  children: (aria: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode;
}) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <div className="mt-1">
        {children({
          id,
          ...(error ? { "aria-invalid": true } : {}),
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
        })}
      </div>
      <FieldError id={`${id}-error`}>{error}</FieldError>
      {hint && !error ? (
        <p id={`${id}-hint`} className="mt-1 text-fg-subtle text-xs">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

const RESTART_POLICIES: ReadonlyArray<{ value: RestartName; label: string }> = [
  { value: "no", label: "Never (no)" },
  { value: "on-failure", label: "On failure" },
  { value: "unless-stopped", label: "Unless stopped" },
  { value: "always", label: "Always" },
];

export function DeployFields({ values: v, set, errors, nameRequired }: DeployFieldsProps) {
  const memory = v.memory.trim() ? parseMemory(v.memory) : null;
  return (
    <>
      <Section title="Container" description="The image to run and what to call it.">
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            id="deploy-image"
            label="Image"
            error={errors.image}
            hint="From the host's images, or pulled from its registry."
          >
            {(aria) => (
              <Input
                {...aria}
                placeholder="nginx:1.27"
                value={v.image}
                onChange={(e) => set("image", e.target.value)}
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field
            id="deploy-name"
            label={nameRequired ? "Deployment name" : "Name (optional)"}
            error={errors.name}
            hint={
              nameRequired
                ? "Lower-case; replicas are named <name>-<n>-r<revision>."
                : "Left empty, the engine picks one."
            }
          >
            {(aria) => (
              <Input
                {...aria}
                placeholder="web"
                value={v.name}
                onChange={(e) => set("name", e.target.value)}
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <div className="md:col-span-2">
            <Field
              id="deploy-command"
              label="Command (optional)"
              error={errors.command}
              hint="Replaces the image's CMD. Split like a shell line, never run by one."
            >
              {(aria) => (
                <Input
                  {...aria}
                  placeholder={`nginx -g "daemon off;"`}
                  value={v.command}
                  onChange={(e) => set("command", e.target.value)}
                  className="font-mono"
                  autoComplete="off"
                  spellCheck={false}
                />
              )}
            </Field>
          </div>
        </div>
      </Section>

      <Section title="Ports" description="Published on the host; bound to 127.0.0.1 unless you choose another address.">
        <PortRows rows={v.ports} onChange={(rows) => set("ports", rows)} errors={errors} />
      </Section>

      <Section title="Environment" description="Variables set in the container (paste NAME=value to fill both).">
        <KeyValueRows field="env" noun="variable" rows={v.env} onChange={(rows) => set("env", rows)} errors={errors} />
      </Section>

      <Section title="Volumes" description="Host paths (absolute) or named volumes, mounted into the container.">
        <VolumeRows rows={v.volumes} onChange={(rows) => set("volumes", rows)} errors={errors} />
      </Section>

      <Section title="Restart and limits">
        <div className="grid gap-4 md:grid-cols-3">
          <Field id="deploy-restart" label="Restart policy" error={undefined}>
            {(aria) => (
              <Select {...aria} value={v.restart} onChange={(e) => set("restart", e.target.value as RestartName)}>
                {RESTART_POLICIES.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field id="deploy-cpus" label="CPU limit (cores)" error={errors.cpus} hint="Empty: no limit.">
            {(aria) => (
              <Input
                {...aria}
                inputMode="decimal"
                placeholder="1.5"
                value={v.cpus}
                onChange={(e) => set("cpus", e.target.value)}
              />
            )}
          </Field>
          <Field
            id="deploy-memory"
            label="Memory limit"
            error={errors.memory}
            hint={memory ? `${formatBytes(memory)}` : "Like 512m or 2g. Empty: no limit."}
          >
            {(aria) => (
              <Input {...aria} placeholder="512m" value={v.memory} onChange={(e) => set("memory", e.target.value)} />
            )}
          </Field>
          {v.restart === "on-failure" ? (
            <Field id="deploy-retries" label="Maximum retries" error={errors.maxRetries} hint="Empty: retry forever.">
              {(aria) => (
                <Input
                  {...aria}
                  inputMode="numeric"
                  value={v.maxRetries}
                  onChange={(e) => set("maxRetries", e.target.value)}
                />
              )}
            </Field>
          ) : null}
        </div>
      </Section>

      <Section title="Labels" description="Key-value metadata on the container.">
        <KeyValueRows
          field="labels"
          noun="label"
          rows={v.labels}
          onChange={(rows) => set("labels", rows)}
          errors={errors}
        />
      </Section>
    </>
  );
}
