"use client";

/** Webhook endpoints: add one (its secret shown once), send a test, rotate the secret, and read the delivery log. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { DeliveryLog } from "./delivery-log";
import { TeamSelect } from "./team-select";

export function WebhooksPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan("webhooks.manage");
  const endpoints = useQuery(trpc.webhooks.list.queryOptions());
  const [openId, setOpenId] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const refresh = () => void queryClient.invalidateQueries(trpc.webhooks.list.queryFilter());
  const test = useMutation(
    trpc.webhooks.sendTest.mutationOptions({
      onSuccess: (_d, input) => {
        setOpenId(input.id);
        void queryClient.invalidateQueries(trpc.webhooks.deliveries.queryFilter());
      },
    }),
  );
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: (r) => {
        setSecret({ name: r.endpoint.name, secret: r.secret });
        refresh();
      },
    }),
  );
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.webhooks.remove.mutationOptions({ onSuccess: refresh }));
  const failure = [test, rotate, update, remove].find((m) => m.isError)?.error;

  return (
    <div className="space-y-5">
      {canManage ? <EndpointForm onCreated={(name, s) => setSecret({ name, secret: s })} /> : null}
      {secret ? (
        <div role="status" className="rounded-md border border-warn/40 bg-warn/10 p-3 text-sm">
          <p className="font-medium text-fg">Signing secret of {secret.name}: shown this once.</p>
          <code className="mt-1 block break-all font-mono text-xs" data-testid="webhook-secret">
            {secret.secret}
          </code>
          <Button size="sm" variant="ghost" className="mt-2" onClick={() => setSecret(null)}>
            I have copied it
          </Button>
        </div>
      ) : null}
      {failure ? (
        <p role="alert" className="text-danger text-sm">
          {errorMessage(failure)}
        </p>
      ) : null}
      <Card>
        <CardHeader>
          <div>
            <CardTitle>Webhook endpoints</CardTitle>
            <CardDescription>
              Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); retried with backoff for
              hours.
            </CardDescription>
          </div>
        </CardHeader>
        {endpoints.data && endpoints.data.length === 0 ? (
          <p className="px-4 pb-4 text-fg-subtle text-sm">No endpoint yet.</p>
        ) : (
          <Table aria-label="Webhook endpoints">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>URL</TableHead>
                <TableHead>Format</TableHead>
                <TableHead>Events</TableHead>
                <TableHead>Status</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(endpoints.data ?? []).map((e) => (
                <TableRow key={e.id} data-testid="webhook-row">
                  <TableCell className="font-medium">{e.name}</TableCell>
                  <TableCell className="max-w-xs truncate font-mono text-xs" title={e.url}>
                    {e.url}
                  </TableCell>
                  <TableCell>{e.format}</TableCell>
                  <TableCell className="text-xs">{e.events.join(", ")}</TableCell>
                  <TableCell>
                    {e.enabled ? (
                      <Badge tone={e.failingSince ? "warn" : "ok"} dot>
                        {e.failingSince ? "failing" : "enabled"}
                      </Badge>
                    ) : (
                      <Badge tone="danger" dot title={e.disabledReason ?? undefined}>
                        disabled
                      </Badge>
                    )}
                    {e.disabledReason ? <p className="mt-1 max-w-xs text-danger text-xs">{e.disabledReason}</p> : null}
                  </TableCell>
                  <TableCell>
                    <span className="flex flex-wrap gap-1">
                      <Button size="sm" variant="ghost" onClick={() => setOpenId(openId === e.id ? null : e.id)}>
                        {openId === e.id ? "Hide log" : "Delivery log"}
                      </Button>
                      {canManage ? (
                        <>
                          <Button size="sm" onClick={() => test.mutate({ id: e.id })} disabled={test.isPending}>
                            Send test
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => rotate.mutate({ id: e.id })}>
                            Rotate secret
                          </Button>
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() =>
                              update.mutate({
                                id: e.id,
                                enabled: !e.enabled,
                                endpoint: {
                                  name: e.name,
                                  url: e.url,
                                  teamId: e.teamId,
                                  format: e.format as "generic",
                                  events: e.events as ["alert.firing"],
                                },
                              })
                            }
                          >
                            {e.enabled ? "Disable" : "Enable"}
                          </Button>
                          <Button size="sm" variant="danger" onClick={() => remove.mutate({ id: e.id })}>
                            Remove {e.name}
                          </Button>
                        </>
                      ) : null}
                    </span>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {openId ? <DeliveryLog endpointId={openId} /> : null}
      </Card>
    </div>
  );
}

const EVENTS = ["alert.firing", "alert.resolved", "alert.repeat"] as const;

function EndpointForm({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<"generic" | "slack" | "alertmanager">("generic");
  const [events, setEvents] = useState<string[]>([...EVENTS]);
  const [teamId, setTeamId] = useState("");
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: (r) => {
        onCreated(r.endpoint.name, r.secret);
        setName("");
        setUrl("");
        void queryClient.invalidateQueries(trpc.webhooks.list.queryFilter());
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, url, format, teamId: teamId || null, events: events as (typeof EVENTS)[number][] });
  };
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>New webhook endpoint</CardTitle>
          <CardDescription>
            Private, loopback and metadata addresses are refused unless the server allows them.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} aria-label="New webhook endpoint" className="space-y-4">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
            <div className="space-y-1">
              <Label htmlFor={field("name")}>Endpoint name</Label>
              <Input id={field("name")} required value={name} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="col-span-2 space-y-1">
              <Label htmlFor={field("url")}>URL</Label>
              <Input
                id={field("url")}
                required
                type="url"
                value={url}
                placeholder="https://hooks.example.com/…"
                onChange={(e) => setUrl(e.target.value)}
              />
            </div>
            <TeamSelect id={field("team")} value={teamId} onChange={setTeamId} />
            <div className="space-y-1">
              <Label htmlFor={field("format")}>Payload format</Label>
              <Select id={field("format")} value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
                <option value="generic">Generic JSON</option>
                <option value="slack">Slack-compatible</option>
                <option value="alertmanager">Alertmanager (v4)</option>
              </Select>
            </div>
          </div>
          <fieldset className="flex flex-wrap gap-4 text-sm" aria-label="Events">
            {EVENTS.map((ev) => (
              <label key={ev} className="flex items-center gap-1.5">
                <input
                  type="checkbox"
                  checked={events.includes(ev)}
                  onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))}
                />
                {ev}
              </label>
            ))}
          </fieldset>
          {create.isError ? (
            <p role="alert" className="text-danger text-sm">
              {errorMessage(create.error)}
            </p>
          ) : null}
          <Button type="submit" variant="primary" disabled={create.isPending}>
            Add endpoint
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
