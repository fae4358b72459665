import { containerCreatePayloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { buildCreatePayload, type DeployFormValues, emptyDeployForm, fieldErrorsFromServer } from "./deploy-form";
import { dockerRunPreview, parseMemory, splitCommand } from "./docker-run";

function form(over: Partial<DeployFormValues> = {}): DeployFormValues {
  return { ...emptyDeployForm(), image: "nginx:1.27", ...over };
}

describe("buildCreatePayload", () => {
  it("builds what `docker run -p 127.0.0.1:4000:80 -e A=1 --restart unless-stopped` would", () => {
    const v = form({
      name: "web",
      ports: [{ id: "p1", hostIp: "127.0.0.1", hostPort: "4000", containerPort: "80", protocol: "tcp" }],
      env: [
        { id: "e1", key: "A", value: "1" },
        { id: "e2", key: "", value: "" },
      ],
      volumes: [{ id: "v1", source: "/srv/www", target: "/usr/share/nginx/html", readOnly: true }],
      command: `nginx -g "daemon off;"`,
      restart: "unless-stopped",
      cpus: "1.5",
      memory: "512m",
      labels: [{ id: "l1", key: "team", value: "web" }],
    });
    const { payload, errors } = buildCreatePayload(v);
    expect(errors).toEqual({});
    expect(payload).toEqual({
      image: "nginx:1.27",
      name: "web",
      ports: [{ hostIp: "127.0.0.1", hostPort: 4000, containerPort: 80, protocol: "tcp" }],
      env: { A: "1" },
      volumes: [{ source: "/srv/www", target: "/usr/share/nginx/html", readOnly: true }],
      command: ["nginx", "-g", "daemon off;"],
      restartPolicy: { name: "unless-stopped" },
      cpus: 1.5,
      memoryBytes: 512 * 1024 * 1024,
      labels: { team: "web" },
      start: true,
    });
    expect(containerCreatePayloadSchema.safeParse(payload).success).toBe(true);
  });

  it("puts each problem on its field", () => {
    const { errors } = buildCreatePayload(
      form({
        image: " ",
        ports: [{ id: "p1", hostIp: "127.0.0.1", hostPort: "99999", containerPort: "x", protocol: "udp" }],
        env: [
          { id: "e1", key: "A", value: "1" },
          { id: "e2", key: "A", value: "2" },
          { id: "e3", key: "", value: "orphan" },
        ],
        volumes: [{ id: "v1", source: "data", target: "", readOnly: false }],
        command: `sh -c "unclosed`,
        restart: "on-failure",
        maxRetries: "-1",
        cpus: "0",
        memory: "lots",
      }),
    );
    expect(Object.keys(errors).sort()).toEqual(
      [
        "image",
        "ports.p1.containerPort",
        "ports.p1.hostPort",
        "env.e2",
        "env.e3",
        "volumes.v1.target",
        "command",
        "maxRetries",
        "cpus",
        "memory",
      ].sort(),
    );
  });

  it("leaves the host port to the engine when empty", () => {
    const { payload } = buildCreatePayload(
      form({ ports: [{ id: "p1", hostIp: "", hostPort: "", containerPort: "53", protocol: "udp" }] }),
    );
    expect(payload.ports).toEqual([{ containerPort: 53, protocol: "udp" }]);
  });
});

describe("parseMemory", () => {
  it("reads docker's sizes", () => {
    expect(parseMemory("512m")).toBe(536870912);
    expect(parseMemory("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseMemory("256 MiB")).toBe(256 * 1024 ** 2);
    expect(parseMemory("1048576")).toBe(1048576);
    expect(parseMemory("12q")).toBeNull();
    expect(parseMemory("0")).toBeNull();
  });
});

describe("splitCommand", () => {
  it("splits like a shell without running one", () => {
    expect(splitCommand(`sh -c 'echo "$HOME"' a\\ b "x\\"y"`)).toEqual({
      argv: ["sh", "-c", 'echo "$HOME"', "a b", 'x"y'],
    });
    expect(splitCommand(`echo ""`)).toEqual({ argv: ["echo", ""] });
    expect(splitCommand(`echo 'open`)).toEqual({ error: "A single quote is not closed." });
  });
});

describe("fieldErrorsFromServer", () => {
  it("maps the server's validation messages onto the rows they came from", () => {
    const built = buildCreatePayload(
      form({
        ports: [
          { id: "p1", hostIp: "", hostPort: "", containerPort: "", protocol: "tcp" },
          { id: "p2", hostIp: "not-an-ip", hostPort: "80", containerPort: "80", protocol: "tcp" },
        ],
      }),
    );
    const errors = fieldErrorsFromServer(
      "command.payload.ports.0.hostIp: Invalid input; command.payload.image: is not a valid image reference; hostId: too long",
      built.rows,
    );
    expect(errors).toEqual({
      "ports.p2.hostIp": "Enter an IPv4 or IPv6 address, or leave it empty for all addresses.",
      image: "This is not a valid image reference",
      form: "hostId: too long",
    });
  });
});

describe("dockerRunPreview", () => {
  it("reads like the docker run line an operator would type", () => {
    const { payload } = buildCreatePayload(
      form({
        name: "web",
        ports: [{ id: "p", hostIp: "127.0.0.1", hostPort: "4000", containerPort: "80", protocol: "tcp" }],
        env: [{ id: "e", key: "GREETING", value: "hello world" }],
        restart: "on-failure",
        maxRetries: "3",
        memory: "1g",
        command: "nginx -g 'daemon off;'",
      }),
    );
    expect(dockerRunPreview(payload)).toBe(
      "docker run -d --name web -p 127.0.0.1:4000:80 -e 'GREETING=hello world' --restart on-failure:3 --memory 1g nginx:1.27 nginx -g 'daemon off;'",
    );
  });
});

describe("fieldErrorsFromServer for deployments", () => {
  it("maps deploy.create's config and top-level paths", () => {
    const built = buildCreatePayload(
      form({ ports: [{ id: "p9", hostIp: "", hostPort: "1", containerPort: "2", protocol: "tcp" }] }),
    );
    expect(
      fieldErrorsFromServer("name: must be 1-63 lower-case letters; config.ports.0.containerPort: Too big", built.rows),
    ).toEqual({ name: "This must be 1-63 lower-case letters", "ports.p9.containerPort": "Too big" });
  });
});
