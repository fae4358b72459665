/**
 * The commands the docker driver runs (container.* and image.*), registered by the agent
 * through `Driver.commandHandlers()`. The same handlers serve Docker and Podman's compatible API.
 */
import type Dockerode from "dockerode";
import type { CommandHandlers } from "../../commands/handler.js";
import { containerCommandHandlers } from "./container-commands.js";
import { containerInspectHandler } from "./container-inspect.js";
import { containerLogsHandler } from "./container-logs.js";
import { imageCommandHandlers } from "./image-commands.js";

export function dockerCommandHandlers(docker: Dockerode, markStopRequested: (id: string) => void): CommandHandlers {
  return {
    ...containerCommandHandlers({ docker, markStopRequested }),
    "container.logs": containerLogsHandler(docker),
    "container.inspect": containerInspectHandler(docker),
    ...imageCommandHandlers(docker),
  };
}
