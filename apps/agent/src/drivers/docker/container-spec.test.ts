import { containerCreatePayloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { COMMAND_LABEL, containerSpec } from "./container-spec.js";

const spec = (input: Record<string, unknown>) => containerSpec(containerCreatePayloadSchema.parse(input), "cmd-1");

describe("containerSpec", () => {
  it("publishes ports on 127.0.0.1 unless an address is given", () => {
    const s = spec({
      image: "app:v1",
      ports: [
        { hostPort: 4000, containerPort: 80 },
        { containerPort: 53, protocol: "udp", hostIp: "0.0.0.0", hostPort: 5353 },
        { containerPort: 80, hostIp: "::1" },
      ],
    });
    expect(s.ExposedPorts).toEqual({ "80/tcp": {}, "53/udp": {} });
    expect(s.HostConfig?.PortBindings).toEqual({
      "80/tcp": [
        { HostIp: "127.0.0.1", HostPort: "4000" },
        { HostIp: "::1", HostPort: "" },
      ],
      "53/udp": [{ HostIp: "0.0.0.0", HostPort: "5353" }],
    });
  });

  it("maps env, volumes, command, restart policy, limits and labels", () => {
    const s = spec({
      image: "app:v1",
      name: "web-1",
      env: { A: "1", EMPTY: "", WITH_EQUALS: "x=y" },
      volumes: [
        { source: "/srv/www", target: "/www", readOnly: true },
        { source: "data", target: "/data" },
      ],
      command: ["sh", "-c", "echo hi"],
      restartPolicy: { name: "on-failure", maxRetries: 3 },
      cpus: 1.5,
      memoryBytes: 64 << 20,
      labels: { app: "web" },
    });
    expect(s).toMatchObject({
      name: "web-1",
      Image: "app:v1",
      Cmd: ["sh", "-c", "echo hi"],
      Env: ["A=1", "EMPTY=", "WITH_EQUALS=x=y"],
      Labels: { app: "web", [COMMAND_LABEL]: "cmd-1" },
    });
    expect(s.HostConfig).toMatchObject({
      Binds: ["/srv/www:/www:ro", "data:/data"],
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      NanoCpus: 1_500_000_000,
      Memory: 64 << 20,
      Init: true,
    });
  });

  it("leaves out what the request leaves out: the image's own command, no limits", () => {
    const s = spec({ image: "app:v1" });
    expect(s.Cmd).toBeUndefined();
    expect(s.name).toBeUndefined();
    expect(s.HostConfig?.NanoCpus).toBeUndefined();
    expect(s.HostConfig?.Memory).toBeUndefined();
    expect(s.HostConfig?.RestartPolicy).toEqual({ Name: "no" });
  });
});
