"use client";

/** Silences and maintenance windows: one-off (from, until) or weekly (days, start time, duration, in a time zone). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox, Input, Label, Select } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { parseLabels } from "./rule-editor";
import { TeamSelect } from "./team-select";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

interface Recurrence {
  weekdays: number[];
  startMinute: number;
  durationMinutes: number;
  /** Absent on windows stored before zones existed: UTC. */
  timeZone?: string;
}

/** The browser's zone first, then UTC, then every zone the browser knows. */
function timeZoneChoices(): string[] {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([local, "UTC", ...all])];
}

function describeWindow(s: { startsAt: string | Date; endsAt: string | Date | null; recurrence: unknown }): string {
  const r = s.recurrence as Recurrence | null;
  const until = s.endsAt ? ` until ${new Date(s.endsAt).toLocaleString()}` : "";
  if (!r) return `${new Date(s.startsAt).toLocaleString()} → ${s.endsAt ? new Date(s.endsAt).toLocaleString() : "…"}`;
  const hh = String(Math.floor(r.startMinute / 60)).padStart(2, "0");
  const mm = String(r.startMinute % 60).padStart(2, "0");
  const zone = r.timeZone ?? "UTC";
  return `Every ${r.weekdays.map((d) => DAYS[d]).join(", ")} at ${hh}:${mm} ${zone} for ${r.durationMinutes} min${until}`;
}

export function SilencesPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan("alerts.manage");
  const silences = useQuery(trpc.alerts.silences.queryOptions());
  const remove = useMutation(
    trpc.alerts.removeSilence.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.alerts.silences.queryFilter()),
    }),
  );

  return (
    <div className="space-y-5">
      {canManage ? <SilenceForm /> : null}
      <Card>
        <CardHeader>
          <div>
            <CardTitle>Silences and maintenance windows</CardTitle>
            <CardDescription>
              Alerts still change state while silenced; only their notifications are held back. Hosts in maintenance and
              hosts a migration or plan is working on are silenced automatically.
            </CardDescription>
          </div>
        </CardHeader>
        {silences.isError ? (
          <p role="alert" className="px-4 pb-4 text-danger text-sm">
            {errorMessage(silences.error)}
          </p>
        ) : silences.data && silences.data.length === 0 ? (
          <p className="px-4 pb-4 text-fg-subtle text-sm">No silence.</p>
        ) : (
          <Table aria-label="Silences">
            <TableHeader>
              <TableRow>
                <TableHead>Comment</TableHead>
                <TableHead>When</TableHead>
                <TableHead>Matches</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(silences.data ?? []).map((s) => (
                <TableRow key={s.id} data-testid="silence-row">
                  <TableCell>{s.comment || "—"}</TableCell>
                  <TableCell>{describeWindow(s)}</TableCell>
                  <TableCell className="font-mono text-xs">{JSON.stringify(s.matchers)}</TableCell>
                  <TableCell>
                    {canManage ? (
                      <Button size="sm" variant="ghost" onClick={() => remove.mutate({ id: s.id })}>
                        Remove silence
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}

function SilenceForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  const [mode, setMode] = useState<"once" | "weekly">("once");
  const [comment, setComment] = useState("");
  const [labels, setLabels] = useState("");
  const [teamId, setTeamId] = useState("");
  const [hours, setHours] = useState("2");
  const [days, setDays] = useState<number[]>([6]);
  const [start, setStart] = useState("22:00");
  const [duration, setDuration] = useState("120");
  // The browser's zones are read after mounting: the server renders the same first frame (UTC).
  const [zones, setZones] = useState(["UTC"]);
  const [timeZone, setTimeZone] = useState("UTC");
  useEffect(() => {
    const choices = timeZoneChoices();
    setZones(choices);
    setTimeZone(choices[0] ?? "UTC");
  }, []);
  const create = useMutation(
    trpc.alerts.createSilence.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.alerts.silences.queryFilter()),
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const now = Date.now();
    const [h, m] = start.split(":").map(Number);
    create.mutate({
      comment,
      teamId: teamId || null,
      matchers: { labels: parseLabels(labels) },
      startsAt: new Date(now).toISOString(),
      endsAt: mode === "once" ? new Date(now + Number(hours) * 3600_000).toISOString() : null,
      recurrence:
        mode === "weekly"
          ? { weekdays: days, startMinute: (h ?? 0) * 60 + (m ?? 0), durationMinutes: Number(duration), timeZone }
          : null,
    });
  };

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>New silence</CardTitle>
          <CardDescription>Empty labels match every host of the organisation.</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} aria-label="New silence" className="space-y-4">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
            <div className="space-y-1">
              <Label htmlFor={field("comment")}>Comment</Label>
              <Input id={field("comment")} value={comment} onChange={(e) => setComment(e.target.value)} />
            </div>
            <TeamSelect id={field("team")} value={teamId} onChange={setTeamId} />
            <div className="space-y-1">
              <Label htmlFor={field("labels")}>Host labels (key=value, …)</Label>
              <Input
                id={field("labels")}
                value={labels}
                placeholder="env=staging"
                onChange={(e) => setLabels(e.target.value)}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("mode")}>Kind</Label>
              <Select id={field("mode")} value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
                <option value="once">From now, for some hours</option>
                <option value="weekly">Weekly window</option>
              </Select>
            </div>
            {mode === "once" ? (
              <div className="space-y-1">
                <Label htmlFor={field("hours")}>Hours</Label>
                <Input
                  id={field("hours")}
                  type="number"
                  min={0.25}
                  step="any"
                  value={hours}
                  onChange={(e) => setHours(e.target.value)}
                />
              </div>
            ) : (
              <>
                <div className="space-y-1">
                  <Label htmlFor={field("start")}>Starts</Label>
                  <Input id={field("start")} type="time" value={start} onChange={(e) => setStart(e.target.value)} />
                </div>
                <div className="space-y-1">
                  <Label htmlFor={field("zone")}>Time zone</Label>
                  <Select id={field("zone")} value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
                    {zones.map((z) => (
                      <option key={z} value={z}>
                        {z}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="space-y-1">
                  <Label htmlFor={field("duration")}>Minutes</Label>
                  <Input
                    id={field("duration")}
                    type="number"
                    min={1}
                    value={duration}
                    onChange={(e) => setDuration(e.target.value)}
                  />
                </div>
                <fieldset className="col-span-2 flex flex-wrap items-center gap-3" aria-label="Weekdays">
                  {DAYS.map((d, i) => (
                    <span key={d} className="flex items-center gap-1 text-sm">
                      <Checkbox
                        id={field(`day-${i}`)}
                        checked={days.includes(i)}
                        onChange={(e) => setDays(e.target.checked ? [...days, i].sort() : days.filter((x) => x !== i))}
                      />
                      <Label htmlFor={field(`day-${i}`)}>{d}</Label>
                    </span>
                  ))}
                </fieldset>
              </>
            )}
          </div>
          {create.isError ? (
            <p role="alert" className="text-danger text-sm">
              {errorMessage(create.error)}
            </p>
          ) : null}
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Add silence
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
