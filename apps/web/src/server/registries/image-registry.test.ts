import { describe, expect, it } from "vitest";
import { normalizeRegistry, registryOfImage } from "./image-registry.js";

describe("registryOfImage", () => {
  it.each([
    ["busybox", "docker.io"],
    ["busybox:1.36", "docker.io"],
    ["library/busybox", "docker.io"],
    ["team/app:v1", "docker.io"],
    ["team/app@sha256:0123456789abcdef0123456789abcdef", "docker.io"],
    ["docker.io/library/nginx", "docker.io"],
    ["index.docker.io/team/app", "docker.io"],
    ["ghcr.io/team/app:v2", "ghcr.io"],
    ["127.0.0.1:5000/flotilla-test/private:v1", "127.0.0.1:5000"],
    ["registry:5000/team/app", "registry:5000"],
    ["localhost/app", "localhost"],
    ["localhost:5000/app:v1", "localhost:5000"],
    ["Registry.Example.COM/app", "registry.example.com"],
  ])("%s -> %s", (reference, registry) => {
    expect(registryOfImage(reference)).toBe(registry);
  });
});

describe("normalizeRegistry", () => {
  it("folds Docker Hub's names and case", () => {
    expect(normalizeRegistry("registry-1.docker.io")).toBe("docker.io");
    expect(normalizeRegistry(" GHCR.io ")).toBe("ghcr.io");
  });
});
