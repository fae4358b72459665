// The docker driver against a real Podman API service (its Docker-compatible endpoints).
import { describeDockerDriver } from "./docker-driver-contract.js";

describeDockerDriver("podman");
