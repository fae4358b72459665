"use client";

/**
 * "Remove host": takes the host out of the fleet for good, after a confirmation that names it and
 * says what goes with it. The server refuses a host that still runs workloads (evacuate first).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ConfirmDialog } from "@/components/settings/confirm-dialog";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import type { HostDetail } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";

export function RemoveHostAction({ host }: { host: HostDetail }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const canManage = useCan("hosts.manage");
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.fleet.removeHost.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries(trpc.fleet.hosts.queryFilter());
        void queryClient.invalidateQueries(trpc.fleet.summary.queryFilter());
        router.push(`/?removed=${encodeURIComponent(host.name)}`);
      },
    }),
  );
  if (!canManage) return null;
  const workloads = host.vmCount + host.containerCount;
  const forgotten =
    host.status === "offline" && workloads > 0
      ? ` The ${workloads} workload(s) it last reported are forgotten, not stopped.`
      : "";
  return (
    <>
      <Button size="sm" variant="ghost" onClick={() => setConfirming(true)}>
        <Trash2 aria-hidden className="size-3.5" />
        Remove host
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Remove the host ${host.name}?`}
        description={
          "Its agent is disconnected and its credential revoked; the host leaves the fleet with its events, " +
          `commands and migration history. Its samples age out with retention.${forgotten} ` +
          "A host still running workloads must be evacuated first."
        }
        confirmLabel={`Remove ${host.name}`}
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onConfirm={() => remove.mutate({ id: host.id })}
        onClose={() => {
          remove.reset();
          setConfirming(false);
        }}
      />
    </>
  );
}
