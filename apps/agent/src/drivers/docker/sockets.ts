/** Where engines put their socket by default: Docker, then rootful Podman's API service. Apart
 * from index.ts so that choosing drivers does not load dockerode. */
export const DEFAULT_DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/podman/podman.sock"] as const;
