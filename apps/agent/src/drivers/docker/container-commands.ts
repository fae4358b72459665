/**
 * container.create|start|stop|restart|remove against the engine. The engine decides and words
 * every failure (a port already allocated, a running container removed without force): its
 * message goes to the operator unchanged.
 */
import type Dockerode from "dockerode";
import { CommandError, type CommandHandlers } from "../../commands/handler.js";
import { containerSpec } from "./container-spec.js";
import { engineCall, engineMessage, engineStatus, toCommandError } from "./engine-errors.js";

export interface ContainerCommandDeps {
  docker: Dockerode;
  /** Flotilla asked for this container to stop: its exit then reads as "stopped" (Podman reports no kill). */
  markStopRequested(id: string): void;
}

const API_TIMEOUT_MS = 30_000;
/** Stop and restart wait for the grace period; give the engine that long and a margin. */
const stopTimeoutMs = (graceSeconds: number) => (graceSeconds + 30) * 1000;
const DEFAULT_GRACE_SECONDS = 10;

export function containerCommandHandlers({ docker, markStopRequested }: ContainerCommandDeps): CommandHandlers {
  const timeout = (ms = API_TIMEOUT_MS) => ({ abortSignal: AbortSignal.timeout(ms) });
  const target = (workloadId: string) => docker.getContainer(workloadId);

  return {
    "container.create": async (payload, ctx) => {
      // No automatic pull: a pull may be long, needs the registry's credentials and shows its own
      // progress, so it is a command of its own (image.pull) the operator sees and can cancel.
      try {
        await docker.getImage(payload.image).inspect();
      } catch (error) {
        if (engineStatus(error) === 404) {
          throw new CommandError("not_found", `image ${payload.image} not found on this host; pull or build it first`);
        }
        throw new CommandError("command_failed", engineMessage(error));
      }
      ctx.progress(0.2, "creating");
      const container = await engineCall(
        docker.createContainer({ ...containerSpec(payload, ctx.commandId), ...timeout() }),
      );
      const created = (await engineCall(container.inspect(timeout()))) as { Name?: string };
      const name = (created.Name ?? "").replace(/^\//, "") || container.id.slice(0, 12);
      if (!payload.start) return { workloadId: container.id, name, started: false, warnings: [] };
      ctx.progress(0.6, "starting");
      try {
        await container.start(timeout());
      } catch (error) {
        // The container exists but did not start (a port already taken): say so, keep it, and
        // name it, so the operator can fix the cause and start it, or remove it.
        throw new CommandError(
          "command_failed",
          `${engineMessage(error)} (container ${name} was created but did not start)`,
        );
      }
      return { workloadId: container.id, name, started: true, warnings: [] };
    },

    "container.start": async ({ workloadId }, ctx) => {
      ctx.progress(undefined, "starting");
      await ignoreNotModified(target(workloadId).start(timeout()));
      return { workloadId };
    },

    "container.stop": async ({ workloadId, force, timeoutSeconds }, ctx) => {
      ctx.progress(undefined, force ? "killing" : "stopping");
      markStopRequested(workloadId);
      const container = target(workloadId);
      const grace = timeoutSeconds ?? DEFAULT_GRACE_SECONDS;
      await ignoreNotModified(
        force ? killIfRunning(container) : container.stop({ t: grace, ...timeout(stopTimeoutMs(grace)) }),
      );
      return { workloadId };
    },

    "container.restart": async ({ workloadId, force, timeoutSeconds }, ctx) => {
      ctx.progress(undefined, "restarting");
      markStopRequested(workloadId);
      const grace = force ? 0 : (timeoutSeconds ?? DEFAULT_GRACE_SECONDS);
      await engineCall(target(workloadId).restart({ t: grace, ...timeout(stopTimeoutMs(grace)) }));
      return { workloadId };
    },

    "container.remove": async ({ workloadId, force }, ctx) => {
      ctx.progress(undefined, "removing");
      if (force) markStopRequested(workloadId);
      await engineCall(target(workloadId).remove({ force: force ?? false, ...timeout() }));
      return { workloadId };
    },
  };
}

/** Killing a container that is not running is an error to the engine, and nothing to do for us. */
async function killIfRunning(container: Dockerode.Container): Promise<void> {
  try {
    await container.kill({ abortSignal: AbortSignal.timeout(API_TIMEOUT_MS) });
  } catch (error) {
    if (engineStatus(error) === 409 && /not running/i.test(engineMessage(error))) return;
    throw error;
  }
}

/** Starting a running container or stopping a stopped one is answered 304: nothing to do. */
async function ignoreNotModified(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (engineStatus(error) !== 304) throw toCommandError(error);
  }
}
