import { describe, expect, it } from "vitest";
import { toCreateConfig } from "./container-inspect.js";

describe("toCreateConfig", () => {
  it("reads a container back in container.create terms, mounts called out", () => {
    const out = toCreateConfig({
      Name: "/web",
      Config: {
        Image: "busybox:1",
        Env: ["A=1", "B=x=y"],
        Cmd: ["httpd", "-f"],
        Labels: { app: "web", "io.flotilla.command-id": "c1" },
      },
      HostConfig: {
        NanoCpus: 5e8,
        Memory: 64 << 20,
        PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }], "53/udp": [{ HostPort: "5353" }] },
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      },
      Mounts: [
        { Type: "volume", Name: "data", Source: "/var/lib/docker/volumes/data/_data", Destination: "/data", RW: true },
        { Type: "bind", Source: "/etc/x", Destination: "/x", RW: false },
      ],
    });
    expect(out.config).toEqual({
      image: "busybox:1",
      name: "web",
      ports: [
        { hostIp: "127.0.0.1", containerPort: 80, protocol: "tcp" },
        { hostPort: 5353, containerPort: 53, protocol: "udp" },
      ],
      env: { A: "1", B: "x=y" },
      volumes: [
        { source: "data", target: "/data", readOnly: false },
        { source: "/etc/x", target: "/x", readOnly: true },
      ],
      command: ["httpd", "-f"],
      restartPolicy: { name: "on-failure", maxRetries: 3 },
      cpus: 0.5,
      memoryBytes: 64 << 20,
      labels: { app: "web" },
    });
    expect(out.mounts.map((m) => m.type)).toEqual(["volume", "bind"]);
  });
});
