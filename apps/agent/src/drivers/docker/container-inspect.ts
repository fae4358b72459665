/**
 * container.inspect: a container's create config read back from the engine, in container.create's
 * own terms, so the control plane can recreate it on another host (cold migration). The
 * inventory carries image, ports and labels only; env, command, restart policy and mounts are here.
 * Requested port bindings are returned (an engine-picked port stays engine-picked), not live ones.
 */

import type { containerInspectResultSchema } from "@flotilla/protocol";
import type Dockerode from "dockerode";
import type { z } from "zod";
import type { CommandHandler } from "../../commands/handler.js";
import { COMMAND_LABEL } from "./container-spec.js";
import { engineCall } from "./engine-errors.js";
import { cpuLimit } from "./workload-mapping.js";

type InspectResult = z.infer<typeof containerInspectResultSchema>;
type Binding = { HostIp?: string; HostPort?: string };
const MOUNT_TYPES = ["bind", "volume", "tmpfs"] as const;

export interface InspectedConfig {
  Name?: string;
  Config?: { Image?: string; Env?: string[] | null; Cmd?: string[] | null; Labels?: Record<string, string> | null };
  HostConfig?: {
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    Memory?: number;
    PortBindings?: Record<string, Binding[] | null> | null;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  };
  Mounts?: Array<{ Type?: string; Name?: string; Source?: string; Destination?: string; RW?: boolean }> | null;
}

export function toCreateConfig(c: InspectedConfig): InspectResult {
  const ports: InspectResult["config"]["ports"] = [];
  for (const [key, bindings] of Object.entries(c.HostConfig?.PortBindings ?? {})) {
    const m = /^(\d+)\/(tcp|udp)$/.exec(key);
    if (!m) continue;
    for (const b of bindings ?? []) {
      const hostPort = Number(b.HostPort);
      ports.push({
        ...(b.HostIp ? { hostIp: b.HostIp } : {}),
        ...(hostPort > 0 ? { hostPort } : {}),
        containerPort: Number(m[1]),
        protocol: m[2] as "tcp" | "udp",
      });
    }
  }
  const env: Record<string, string> = {};
  for (const entry of c.Config?.Env ?? []) {
    const at = entry.indexOf("=");
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  // The command label names the command that made THIS container; the new one gets its own.
  const { [COMMAND_LABEL]: _made, ...labels } = c.Config?.Labels ?? {};
  const policy = c.HostConfig?.RestartPolicy;
  const restartPolicy: InspectResult["config"]["restartPolicy"] =
    policy?.Name === "always" || policy?.Name === "unless-stopped"
      ? { name: policy.Name }
      : policy?.Name === "on-failure"
        ? { name: "on-failure", maxRetries: policy.MaximumRetryCount ?? 0 }
        : { name: "no" };
  const mounts: InspectResult["mounts"] = (c.Mounts ?? []).map((m) => ({
    type: MOUNT_TYPES.find((t) => t === m.Type) ?? "other",
    source: (m.Type === "volume" ? m.Name : m.Source) ?? "",
    target: m.Destination ?? "",
    readOnly: m.RW === false,
  }));
  const cpus = cpuLimit(c.HostConfig);
  const memory = c.HostConfig?.Memory;
  return {
    config: {
      image: c.Config?.Image ?? "",
      ...(c.Name ? { name: c.Name.replace(/^\//, "") } : {}),
      ports,
      env,
      volumes: mounts
        .filter((m) => m.type === "bind" || m.type === "volume")
        .map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly })),
      ...(c.Config?.Cmd?.length ? { command: c.Config.Cmd } : {}),
      restartPolicy,
      ...(cpus !== undefined ? { cpus } : {}),
      ...(memory && memory > 0 ? { memoryBytes: memory } : {}),
      labels,
    },
    mounts,
  };
}

export function containerInspectHandler(docker: Dockerode): CommandHandler<"container.inspect"> {
  return async ({ workloadId }) => {
    const info = (await engineCall(
      docker.getContainer(workloadId).inspect({ abortSignal: AbortSignal.timeout(30_000) }),
    )) as InspectedConfig;
    return toCreateConfig(info);
  };
}
