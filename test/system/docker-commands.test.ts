// The docker driver's commands against a real dockerd: in-process against the engine, pulls
// from a real local registry, and (docker-commands-e2e.test.ts) through the whole product.
import { describeDockerCommands } from "./docker-commands-contract.js";
import { describeImagePull } from "./docker-commands-pull.js";

describeDockerCommands("docker");
describeImagePull("docker");
