import { describe, expect, it } from "vitest";
import { decodeAgentFrame, decodeServerFrame } from "./codec.js";
import { COMMAND_NAMES, commandSchema, imageReferenceSchema, isCancellable } from "./commands.js";

const commandFrame = (command: unknown) => JSON.stringify({ type: "command", id: "c1", deadline: 1, command });

describe("container commands", () => {
  it("accepts a full container.create and fills its defaults", () => {
    const parsed = commandSchema.parse({
      name: "container.create",
      payload: {
        image: "127.0.0.1:5000/team/app:v2",
        name: "web-1",
        ports: [{ hostIp: "127.0.0.1", hostPort: 4000, containerPort: 80 }],
        env: { MODE: "prod" },
        volumes: [{ source: "/srv/data", target: "/data", readOnly: true }],
        command: ["httpd", "-f", "-p", "80"],
        restartPolicy: { name: "on-failure", maxRetries: 3 },
        cpus: 0.5,
        memoryBytes: 64 * 1024 * 1024,
        labels: { team: "a" },
      },
    });
    expect(parsed.payload).toMatchObject({ start: true, ports: [{ protocol: "tcp" }] });
  });

  it.each([
    ["a shell string as command", { image: "busybox", command: "rm -rf /" }],
    ["an unknown field", { image: "busybox", privileged: true }],
    ["a bad image reference", { image: "Not An Image!" }],
    ["a port out of range", { image: "busybox", ports: [{ containerPort: 70000 }] }],
    ["a relative volume target", { image: "busybox", volumes: [{ source: "data", target: "data" }] }],
    ["maxRetries on another policy", { image: "busybox", restartPolicy: { name: "always", maxRetries: 1 } }],
    ["a host address that is not an IP", { image: "busybox", ports: [{ containerPort: 80, hostIp: "example.com" }] }],
  ])("refuses %s", (_name, payload) => {
    expect(decodeServerFrame(commandFrame({ name: "container.create", payload })).ok).toBe(false);
  });

  it.each([
    "nginx",
    "nginx:1.27",
    "library/nginx:latest",
    "localhost:5000/app",
    "127.0.0.1:5000/team/app:v2",
    `app@sha256:${"a".repeat(64)}`,
  ])("reads %s as an image reference", (ref) => {
    expect(imageReferenceSchema.safeParse(ref).success).toBe(true);
  });

  it.each(["", "UPPER/case", "nginx:", "-nginx", "a b", "nginx:bad tag"])("refuses %j as an image reference", (ref) => {
    expect(imageReferenceSchema.safeParse(ref).success).toBe(false);
  });

  it("takes a build context as a blob reference and logs with defaults", () => {
    const build = decodeServerFrame(
      commandFrame({
        name: "image.build",
        payload: { tag: "app:1", context: { blobId: "b1", sha256: "0".repeat(64), size: 10 } },
      }),
    );
    expect(build.ok && build.frame.type === "command" && build.frame.command.payload).toMatchObject({
      dockerfile: "Dockerfile",
      buildArgs: {},
    });
    const logs = commandSchema.parse({ name: "container.logs", payload: { workloadId: "w" } });
    expect(logs.payload).toEqual({ workloadId: "w", follow: false, timestamps: false });
  });

  it("names every command and which ones can be cancelled while running", () => {
    expect(COMMAND_NAMES).toContain("container.create");
    expect(COMMAND_NAMES).toContain("inventory.refresh");
    expect(isCancellable("container.logs")).toBe(true);
    expect(isCancellable("container.create")).toBe(false);
  });
});

describe("frames added in protocol 1 without a version bump", () => {
  it("decodes a cancel frame", () => {
    expect(decodeServerFrame('{"type":"cancel","commandId":"c1"}')).toEqual({
      ok: true,
      frame: { type: "cancel", commandId: "c1" },
    });
  });

  it("keeps a result whose error code it does not know, as command_failed", () => {
    const r = decodeAgentFrame(
      JSON.stringify({
        type: "command_result",
        commandId: "c1",
        ts: 1,
        ok: false,
        error: { code: "from_the_future", message: "x" },
      }),
    );
    expect(r.ok && r.frame.type === "command_result" && r.frame.error?.code).toBe("command_failed");
  });

  it("names a refused metrics batch by its seq", () => {
    const r = decodeAgentFrame(JSON.stringify({ type: "metrics", seq: 42, samples: [] }));
    expect(r.ok ? null : r.error.ref).toBe("42");
  });
});
