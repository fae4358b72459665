// The docker driver's commands against a real Podman API service (its Docker-compatible endpoints).
import { describeDockerCommands } from "./docker-commands-contract.js";
import { describeImagePull } from "./docker-commands-pull.js";

describeDockerCommands("podman");
describeImagePull("podman");
