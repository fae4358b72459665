/**
 * A container.create payload as the engine's create body (`POST /containers/create`), the same
 * for Docker and Podman's compatible API. Pure, so the mapping is unit-tested without an engine.
 */
import type { CommandPayload } from "@flotilla/protocol";
import type Dockerode from "dockerode";

export type CreatePayload = CommandPayload<"container.create">;

/** Where a published port listens when the request names no address: this host only. */
export const DEFAULT_BIND_ADDRESS = "127.0.0.1";

/** Set on every container Flotilla creates: which command made it (for audits and clean-ups). */
export const COMMAND_LABEL = "io.flotilla.command-id";

export function containerSpec(payload: CreatePayload, commandId: string): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of payload.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    // Publishing on every address is a choice the operator makes explicitly ("0.0.0.0" or "::").
    const binding = { HostIp: p.hostIp ?? DEFAULT_BIND_ADDRESS, HostPort: p.hostPort ? String(p.hostPort) : "" };
    bindings[key] = [...(bindings[key] ?? []), binding];
  }
  const restart = payload.restartPolicy;
  return {
    ...(payload.name ? { name: payload.name } : {}),
    Image: payload.image,
    ...(payload.command ? { Cmd: payload.command } : {}),
    Env: Object.entries(payload.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...payload.labels, [COMMAND_LABEL]: commandId },
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      // `source:target[:ro]` is `docker run -v`: a named volume is made on first use, a host path bound.
      Binds: payload.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`),
      RestartPolicy: {
        Name: restart.name,
        ...(restart.name === "on-failure" && restart.maxRetries !== undefined
          ? { MaximumRetryCount: restart.maxRetries }
          : {}),
      },
      ...(payload.cpus ? { NanoCpus: Math.round(payload.cpus * 1e9) } : {}),
      ...(payload.memoryBytes ? { Memory: payload.memoryBytes } : {}),
      // An init as PID 1 passes SIGTERM on: an image whose process ignores it (busybox httpd,
      // most shells) would otherwise wait out the whole grace period on every stop. Podman also
      // reaps and reports exits cleanly only with it.
      Init: true,
    },
  };
}
