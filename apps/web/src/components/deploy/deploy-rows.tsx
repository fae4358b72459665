"use client";

/**
 * The repeating rows of the Deploy form: published ports, environment variables, volumes and
 * labels. Each control is labelled with its row ("Host port of port 2") and shows its error
 * beside it.
 */
import { Plus, X } from "lucide-react";
import type { ComponentProps, ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Checkbox, FieldError, Input, Select } from "@/components/ui/input";
import {
  type FieldErrors,
  type KeyValueRow,
  newKeyValueRow,
  newPortRow,
  newVolumeRow,
  type PortRow,
  type VolumeRow,
} from "@/lib/deploy-form";

interface RowsProps<R> {
  rows: R[];
  onChange: (rows: R[]) => void;
  errors: FieldErrors;
}

function update<R extends { id: string }>(rows: R[], id: string, change: Partial<R>): R[] {
  return rows.map((r) => (r.id === id ? { ...r, ...change } : r));
}

function RemoveRow({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button size="icon" variant="ghost" aria-label={label} onClick={onClick} className="mt-0.5 size-8">
      <X aria-hidden className="size-4" />
    </Button>
  );
}

function AddRow({ children, onClick }: { children: ReactNode; onClick: () => void }) {
  return (
    <Button size="sm" variant="ghost" onClick={onClick} className="text-accent hover:text-accent">
      <Plus aria-hidden className="size-3.5" />
      {children}
    </Button>
  );
}

function ColumnHeads({ heads, className }: { heads: string[]; className: string }) {
  return (
    <div aria-hidden className={`grid gap-2 text-[11px] text-fg-subtle uppercase tracking-wider ${className}`}>
      {heads.map((h) => (
        <span key={h}>{h}</span>
      ))}
    </div>
  );
}

/** An input that carries its error: aria-invalid and aria-describedby point at it. */
function Cell({
  id,
  label,
  error,
  ...props
}: { id: string; label: string; error: string | undefined } & Omit<ComponentProps<typeof Input>, "id">) {
  return (
    <div className="min-w-0">
      <Input
        id={id}
        aria-label={label}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...props}
      />
      <FieldError id={`${id}-error`}>{error}</FieldError>
    </div>
  );
}

const PORT_GRID = "grid-cols-[minmax(0,1.5fr)_minmax(0,1fr)_minmax(0,1fr)_6.5rem_2rem]";

export function PortRows({ rows, onChange, errors }: RowsProps<PortRow>) {
  return (
    <div className="space-y-2">
      {rows.length > 0 ? (
        <ColumnHeads heads={["Bind address", "Host port", "Container port", "Protocol", ""]} className={PORT_GRID} />
      ) : null}
      {rows.map((row, i) => {
        const n = i + 1;
        const key = (field: string) => `ports.${row.id}.${field}`;
        return (
          <div key={row.id} className={`grid items-start gap-2 ${PORT_GRID}`} data-testid="port-row">
            <Cell
              id={key("hostIp")}
              label={`Bind address of port ${n}`}
              placeholder="all addresses"
              value={row.hostIp}
              onChange={(e) => onChange(update(rows, row.id, { hostIp: e.target.value }))}
              error={errors[key("hostIp")]}
              className="font-mono"
            />
            <Cell
              id={key("hostPort")}
              label={`Host port of port ${n}`}
              placeholder="any"
              inputMode="numeric"
              value={row.hostPort}
              onChange={(e) => onChange(update(rows, row.id, { hostPort: e.target.value }))}
              error={errors[key("hostPort")]}
              className="font-mono"
            />
            <Cell
              id={key("containerPort")}
              label={`Container port of port ${n}`}
              placeholder="80"
              inputMode="numeric"
              value={row.containerPort}
              onChange={(e) => onChange(update(rows, row.id, { containerPort: e.target.value }))}
              error={errors[key("containerPort")]}
              className="font-mono"
            />
            <Select
              aria-label={`Protocol of port ${n}`}
              value={row.protocol}
              onChange={(e) => onChange(update(rows, row.id, { protocol: e.target.value as PortRow["protocol"] }))}
            >
              <option value="tcp">TCP</option>
              <option value="udp">UDP</option>
            </Select>
            <RemoveRow label={`Remove port ${n}`} onClick={() => onChange(rows.filter((r) => r.id !== row.id))} />
          </div>
        );
      })}
      <AddRow onClick={() => onChange([...rows, newPortRow()])}>Add port</AddRow>
    </div>
  );
}

const KV_GRID = "grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)_2rem]";

export function KeyValueRows({
  rows,
  onChange,
  errors,
  field,
  noun,
}: RowsProps<KeyValueRow> & { field: "env" | "labels"; noun: string }) {
  return (
    <div className="space-y-2">
      {rows.length > 0 ? <ColumnHeads heads={["Name", "Value", ""]} className={KV_GRID} /> : null}
      {rows.map((row, i) => {
        const n = i + 1;
        const key = `${field}.${row.id}`;
        return (
          <div key={row.id} className={`grid items-start gap-2 ${KV_GRID}`}>
            <Cell
              id={`${key}.key`}
              label={`Name of ${noun} ${n}`}
              placeholder={field === "env" ? "NAME" : "team"}
              value={row.key}
              onChange={(e) => {
                // Pasting NAME=value fills both cells, as `-e NAME=value` reads.
                const text = e.target.value;
                const eq = field === "env" ? text.indexOf("=") : -1;
                onChange(
                  update(
                    rows,
                    row.id,
                    eq > 0 && !row.value ? { key: text.slice(0, eq), value: text.slice(eq + 1) } : { key: text },
                  ),
                );
              }}
              error={errors[key]}
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
            />
            <Input
              aria-label={`Value of ${noun} ${n}`}
              value={row.value}
              onChange={(e) => onChange(update(rows, row.id, { value: e.target.value }))}
              className="font-mono"
              autoComplete="off"
              spellCheck={false}
            />
            <RemoveRow label={`Remove ${noun} ${n}`} onClick={() => onChange(rows.filter((r) => r.id !== row.id))} />
          </div>
        );
      })}
      <AddRow onClick={() => onChange([...rows, newKeyValueRow()])}>Add {noun}</AddRow>
    </div>
  );
}

const VOLUME_GRID = "grid-cols-[minmax(0,1fr)_minmax(0,1fr)_6rem_2rem]";

export function VolumeRows({ rows, onChange, errors }: RowsProps<VolumeRow>) {
  return (
    <div className="space-y-2">
      {rows.length > 0 ? (
        <ColumnHeads heads={["Host path or volume", "Path in the container", "", ""]} className={VOLUME_GRID} />
      ) : null}
      {rows.map((row, i) => {
        const n = i + 1;
        const key = (f: string) => `volumes.${row.id}.${f}`;
        return (
          <div key={row.id} className={`grid items-start gap-2 ${VOLUME_GRID}`}>
            <Cell
              id={key("source")}
              label={`Source of volume ${n}`}
              placeholder="/srv/data or data"
              value={row.source}
              onChange={(e) => onChange(update(rows, row.id, { source: e.target.value }))}
              error={errors[key("source")]}
              className="font-mono"
            />
            <Cell
              id={key("target")}
              label={`Target of volume ${n}`}
              placeholder="/data"
              value={row.target}
              onChange={(e) => onChange(update(rows, row.id, { target: e.target.value }))}
              error={errors[key("target")]}
              className="font-mono"
            />
            <span className="flex h-9 items-center gap-1.5">
              <Checkbox
                id={key("readOnly")}
                checked={row.readOnly}
                onChange={(e) => onChange(update(rows, row.id, { readOnly: e.target.checked }))}
              />
              <label htmlFor={key("readOnly")} className="text-fg-muted text-xs">
                <span className="sr-only">Volume {n} </span>read-only
              </label>
            </span>
            <RemoveRow label={`Remove volume ${n}`} onClick={() => onChange(rows.filter((r) => r.id !== row.id))} />
          </div>
        );
      })}
      <AddRow onClick={() => onChange([...rows, newVolumeRow()])}>Add volume</AddRow>
    </div>
  );
}
