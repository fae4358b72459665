"use client";

/**
 * The audit log's filters: who (a member, or "system"), what (an action or its prefix), on what
 * (a target such as "host:<id>"), and a time range. Applied together with the Filter button,
 * so typing does not query on every key.
 */
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import { type AuditFilter, filterFromForm } from "./audit-query";

/** Suggestions for the action box (a prefix matches: "plan" finds every plan action). */
const ACTION_HINTS = [
  "auth.",
  "denied",
  "invitation",
  "members.",
  "teams.",
  "tokens.",
  "command.",
  "migration.",
  "plans.",
  "stack.",
  "audit.exported",
];

export function AuditFilters({ onApply }: { onApply: (filter: AuditFilter) => void }) {
  const trpc = useTRPC();
  // Reading the audit log is the owner's, who also manages every team's members.
  const members = useQuery(trpc.members.list.queryOptions({}));
  const ids = { actor: useId(), action: useId(), actions: useId(), target: useId(), from: useId(), to: useId() };
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [target, setTarget] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = filterFromForm({ actor, action, target, from, to });
    if ("problem" in result) {
      setProblem(result.problem);
      return;
    }
    const filter: AuditFilter = result.filter;
    setProblem(null);
    onApply(filter);
  };

  return (
    <form onSubmit={submit} className="space-y-2" aria-label="Audit filters">
      {/* Outside the field's stack: a trailing hidden element would still get its spacing. */}
      <datalist id={ids.actions}>
        {ACTION_HINTS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <div className="grid grid-cols-[repeat(3,minmax(9rem,1fr))_repeat(2,minmax(11rem,14rem))_auto] items-end gap-3 max-2xl:grid-cols-3">
        <div className="space-y-1.5">
          <Label htmlFor={ids.actor}>Actor</Label>
          <Select id={ids.actor} value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Anyone</option>
            {(members.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name ? `${m.name} (${m.email})` : m.email}
              </option>
            ))}
            <option value="system">System</option>
          </Select>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={ids.action}>Action</Label>
          <Input
            id={ids.action}
            list={ids.actions}
            value={action}
            placeholder="e.g. teams. or denied"
            onChange={(e) => setAction(e.target.value)}
          />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={ids.target}>Target</Label>
          <Input
            id={ids.target}
            value={target}
            placeholder="e.g. host:<id>"
            onChange={(e) => setTarget(e.target.value)}
          />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={ids.from}>From</Label>
          <Input id={ids.from} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={ids.to}>To</Label>
          <Input id={ids.to} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <Button type="submit" variant="primary" className="justify-self-start">
          Filter
        </Button>
      </div>
      {problem ? (
        <p role="alert" className="text-danger text-sm">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
