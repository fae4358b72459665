/** Which registry an image reference is pulled from, by Docker's rules. */

export const DOCKER_HUB = "docker.io";
const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * "nginx" and "team/app" -> "docker.io"; "127.0.0.1:5000/app:v1" -> "127.0.0.1:5000";
 * "localhost/app" -> "localhost". Like Docker, the first path part is a registry only when it
 * holds a "." or a ":", or is "localhost", and more path follows it.
 */
export function registryOfImage(reference: string): string {
  const slash = reference.indexOf("/");
  if (slash < 0) return DOCKER_HUB;
  const first = reference.slice(0, slash);
  const isHost = first.includes(".") || first.includes(":") || first === "localhost";
  return isHost ? normalizeRegistry(first) : DOCKER_HUB;
}

/** A registry as stored and matched: lower case, Docker Hub's aliases folded into "docker.io". */
export function normalizeRegistry(registry: string): string {
  const host = registry.trim().toLowerCase();
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
