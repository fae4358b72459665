"use client";

import type { imageListResultSchema } from "@flotilla/protocol";
/**
 * The images on a host, as its agent lists them (an image.list command), with forms to pull
 * and to build more. The list is asked for when the tab opens and again after each pull or
 * build; the previous list stays on screen while a new one is on its way.
 */
import { RefreshCw } from "lucide-react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { z } from "zod";
import { CommandStatus } from "@/components/commands/command-status";
import { useRunCommand } from "@/components/commands/use-command";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { isActiveCommandState } from "@/lib/command-state";
import { formatBytes, formatCount } from "@/lib/format";
import { BuildImageForm } from "./build-image-form";
import { PullImageForm } from "./pull-image-form";

type HostImage = z.infer<typeof imageListResultSchema>["images"][number];

/** The agent's result, read defensively: a malformed one shows as no list rather than a crash. */
function imagesOf(result: unknown): HostImage[] | null {
  const images = (result as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) return null;
  return images.filter(
    (i): i is HostImage => typeof i === "object" && i !== null && typeof (i as HostImage).id === "string",
  );
}

function shortImageId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

function ImagesTable({ images }: { images: HostImage[] }) {
  const sorted = useMemo(() => [...images].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0)), [images]);
  return (
    <Table aria-label="Images" data-testid="host-images">
      <TableHeader>
        <TableRow className="hover:bg-transparent">
          <TableHead>Repository:tag</TableHead>
          <TableHead className="w-36">Image ID</TableHead>
          <TableHead className="w-28 text-right">Size</TableHead>
          <TableHead className="w-32">Created</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {sorted.length === 0 ? (
          <TableRow className="hover:bg-transparent">
            <TableCell colSpan={4} className="py-10 text-center text-fg-subtle">
              No images on this host yet. Pull or build one below.
            </TableCell>
          </TableRow>
        ) : (
          sorted.map((image) => (
            <TableRow key={image.id} data-image-id={image.id}>
              <TableCell className="whitespace-normal font-mono text-xs">
                {image.tags.length === 0 ? (
                  <span className="text-fg-subtle">&lt;none&gt;</span>
                ) : (
                  image.tags.map((t) => (
                    <span key={t} className="block text-fg">
                      {t}
                    </span>
                  ))
                )}
              </TableCell>
              <TableCell className="font-mono text-fg-muted text-xs" title={image.id}>
                {shortImageId(image.id)}
              </TableCell>
              <TableCell className="text-right tabular-nums">{formatBytes(image.sizeBytes)}</TableCell>
              <TableCell className="text-fg-muted text-xs">
                {image.createdAt ? <RelativeTime value={new Date(image.createdAt).toISOString()} /> : "—"}
              </TableCell>
            </TableRow>
          ))
        )}
      </TableBody>
    </Table>
  );
}

export function ImagesPanel({ hostId }: { hostId: string }) {
  const canOperate = useCan("workloads.operate");
  const list = useRunCommand();
  const [images, setImages] = useState<HostImage[] | null>(null);
  const asked = useRef(false);
  const { run } = list;

  const refresh = useCallback(() => {
    void run(hostId, { name: "image.list", payload: {} });
  }, [run, hostId]);

  useEffect(() => {
    if (!canOperate || asked.current) return;
    asked.current = true;
    refresh();
  }, [canOperate, refresh]);

  const state = list.command?.state;
  const result = list.command?.result;
  // Kept across refreshes: the last list stays on screen while a new one is on its way.
  useEffect(() => {
    const listed = state === "succeeded" ? imagesOf(result) : null;
    if (listed) setImages(listed);
  }, [state, result]);

  if (!canOperate) {
    return (
      <p className="py-10 text-center text-fg-subtle text-sm">
        Listing, pulling and building images asks the host's agent, which needs the operator role.
      </p>
    );
  }

  const listing = list.requesting || (list.command !== null && isActiveCommandState(list.command.state));
  return (
    <div className="space-y-4">
      <Card>
        <CardHeader className="border-border border-b pb-3">
          <CardTitle>
            Images on this host
            {images ? (
              <span className="ml-2 font-normal text-fg-subtle tabular-nums">{formatCount(images.length)}</span>
            ) : null}
          </CardTitle>
          <Button size="sm" variant="secondary" onClick={refresh} disabled={listing} aria-label="Refresh images">
            <RefreshCw aria-hidden className={listing ? "size-3.5 animate-spin" : "size-3.5"} />
            {listing ? "Listing…" : "Refresh"}
          </Button>
        </CardHeader>
        {state === "succeeded" ? null : (
          <CommandStatus
            run={list}
            doing="Listing images"
            done="Images listed"
            testId="image-list-status"
            className="m-3"
          />
        )}
        {images ? (
          <ImagesTable images={images} />
        ) : listing ? (
          <div className="space-y-2 p-4" aria-busy="true">
            <Skeleton className="h-5" />
            <Skeleton className="h-5" />
            <Skeleton className="h-5" />
          </div>
        ) : null}
      </Card>
      <div className="grid items-start gap-4 xl:grid-cols-2">
        <PullImageForm hostId={hostId} onPulled={refresh} />
        <BuildImageForm hostId={hostId} onBuilt={refresh} />
      </div>
    </div>
  );
}
