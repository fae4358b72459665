import { describe, expect, it } from "vitest";
import { ComposeError, parseCompose } from "./compose.js";
import { parseBytes, parsePorts, splitCommand } from "./compose-values.js";

function problemsOf(source: string): string[] {
  try {
    parseCompose(source);
  } catch (err) {
    if (err instanceof ComposeError) return err.problems;
    throw err;
  }
  throw new Error("expected a ComposeError");
}

const SHOP = `
name: shop
services:
  web:
    image: nginx:1.27
    ports: ["127.0.0.1:8080:80/tcp", "443"]
    environment:
      MODE: production
      WORKERS: 4
    depends_on: [api]
    restart: unless-stopped
    labels: ["tier=front"]
  api:
    image: registry.local:5000/shop/api:v2
    command: node server.js --port "3000"
    environment: ["DB_URL=postgres://db/shop", "EMPTY="]
    volumes:
      - uploads:/srv/uploads
      - /etc/shop:/etc/shop:ro
    depends_on:
      db:
        condition: service_started
      cache:
        condition: service_healthy
    deploy:
      resources:
        limits: { cpus: "0.5", memory: 512M }
  cache:
    image: redis:7
  db:
    image: postgres:17
    volumes: [{ type: volume, source: pgdata, target: /var/lib/postgresql/data }]
volumes:
  uploads: {}
  pgdata:
`;

describe("parseCompose", () => {
  it("starts every service after the services it depends on, file order breaking ties", () => {
    const project = parseCompose(SHOP);
    expect(project.services.map((s) => s.name)).toEqual(["cache", "db", "api", "web"]);
    const api = project.services.find((s) => s.name === "api");
    expect(api?.dependsOn).toEqual(["db", "cache"]);
  });

  it("turns a service into a container config", () => {
    const [cache, db, api, web] = parseCompose(SHOP).services;
    expect(web).toMatchObject({
      image: "nginx:1.27",
      config: {
        ports: [
          { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" },
          { containerPort: 443, protocol: "tcp" },
        ],
        env: { MODE: "production", WORKERS: "4" },
        restartPolicy: { name: "unless-stopped" },
        labels: { tier: "front" },
      },
    });
    expect(api?.config).toMatchObject({
      command: ["node", "server.js", "--port", "3000"],
      env: { DB_URL: "postgres://db/shop", EMPTY: "" },
      volumes: [
        { source: "uploads", target: "/srv/uploads", readOnly: false },
        { source: "/etc/shop", target: "/etc/shop", readOnly: true },
      ],
      cpus: 0.5,
      memoryBytes: 512 * 1024 ** 2,
    });
    expect(db?.config.volumes).toEqual([{ source: "pgdata", target: "/var/lib/postgresql/data", readOnly: false }]);
    expect(cache?.config).toMatchObject({ ports: [], restartPolicy: { name: "no" } });
    expect(cache && "start" in cache.config).toBe(false);
  });

  it("reports what it does not apply as warnings naming the key", () => {
    const project = parseCompose(`
version: "3.9"
x-common: &common { restart: always }
networks: { front: {} }
services:
  web:
    image: nginx
    build: .
    healthcheck: { test: ["CMD", "true"] }
    x-note: ignored on purpose
    environment: [FROM_SHELL]
    volumes: ["/cache"]
    deploy: { replicas: 3, resources: { reservations: { cpus: "1" }, limits: { pids: 10 } } }
    depends_on: { db: { condition: service_healthy } }
  db: { image: postgres }
volumes: { data: { driver: local } }
`);
    expect(project.warnings).toEqual([
      "version is obsolete and was ignored",
      "networks: not supported, ignored",
      "volumes.data: volume options are not supported, the engine's defaults apply",
      "services.web.build: building images is not supported here, ignored",
      "services.web.healthcheck: not supported, ignored",
      "services.web.environment.FROM_SHELL: no value given and none is taken from the shell, left unset",
      "services.web.volumes.0: anonymous volumes are not supported, ignored",
      "services.web.deploy.replicas: not supported (a stack runs one container per service), ignored",
      "services.web.deploy.resources.reservations: not supported, ignored",
      "services.web.deploy.resources.limits.pids: not supported, ignored",
      "services.web.depends_on.db: condition service_healthy is treated as service_started",
    ]);
  });

  it("refuses a dependency cycle, naming it", () => {
    const problems = problemsOf(`
services:
  a: { image: x, depends_on: [b] }
  b: { image: x, depends_on: [c] }
  c: { image: x, depends_on: [a] }
  d: { image: x }
`);
    expect(problems).toEqual(["depends_on has a cycle: a -> b -> c -> a"]);
  });

  it("refuses unknown and self dependencies, missing images, bad values, and collects them all", () => {
    const problems = problemsOf(`
services:
  web: { image: nginx, depends_on: [cache, web] }
  worker: { command: ["run"] }
  bad: { image: "Not An Image", ports: ["80:80/sctp"], restart: sometimes, deploy: { resources: { limits: { memory: lots } } } }
  Upper: { image: x }
`);
    expect(problems).toEqual([
      "services.worker: needs an image",
      'services.bad.ports: "80:80/sctp": the protocol must be tcp or udp',
      'services.bad.restart: "sometimes" is not one of no, always, unless-stopped, on-failure[:N]',
      'services.bad.deploy: "lots" is not a size like 512m or 2g',
      "services.bad.image: Not An Image is not a valid image reference (like nginx:1.27 or registry:5000/team/app:v2)",
      "services.Upper: a service name must be lower-case letters, digits, '_', '.' or '-'",
      "services.web.depends_on: there is no service cache",
      "services.web.depends_on: a service cannot depend on itself",
    ]);
  });

  it("refuses files that are not compose files", () => {
    expect(problemsOf("just: text")).toEqual(["the file needs a services: mapping with at least one service"]);
    expect(problemsOf("services: [")[0]).toMatch(/^YAML: /);
    expect(problemsOf("services:\n  a: { image: x }\n  a: { image: y }\n")[0]).toMatch(/^YAML: .*unique/i);
    expect(problemsOf("services:\n  a: { image: x, volumes: ['./data:/data'] }")).toEqual([
      'services.a.volumes: "./data": relative bind mounts need the compose file\'s directory; use an absolute path',
    ]);
  });
});

describe("compose values", () => {
  it("reads every short port form", () => {
    expect(parsePorts("80")).toEqual([{ containerPort: 80, protocol: "tcp" }]);
    expect(parsePorts(80)).toEqual([{ containerPort: 80, protocol: "tcp" }]);
    expect(parsePorts("8080:80")).toEqual([{ hostPort: 8080, containerPort: 80, protocol: "tcp" }]);
    expect(parsePorts("127.0.0.1:8080:80/tcp")).toEqual([
      { hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" },
    ]);
    expect(parsePorts("127.0.0.1::53/udp")).toEqual([{ hostIp: "127.0.0.1", containerPort: 53, protocol: "udp" }]);
    expect(parsePorts("[::1]:8443:443")).toEqual([
      { hostIp: "::1", hostPort: 8443, containerPort: 443, protocol: "tcp" },
    ]);
    expect(parsePorts("9000-9001:8000-8001")).toEqual([
      { hostPort: 9000, containerPort: 8000, protocol: "tcp" },
      { hostPort: 9001, containerPort: 8001, protocol: "tcp" },
    ]);
    expect(parsePorts({ target: 80, published: "8081", host_ip: "127.0.0.1", protocol: "tcp" })).toEqual([
      { hostIp: "127.0.0.1", hostPort: 8081, containerPort: 80, protocol: "tcp" },
    ]);
  });

  it("refuses broken port forms", () => {
    for (const bad of ["", "http", "1:2:3:4", "70000", "9000-9002:8000-8001", "80/tcp/x", "0"]) {
      expect(() => parsePorts(bad), bad).toThrow();
    }
  });

  it("reads sizes in binary multiples and splits commands like a shell", () => {
    expect(parseBytes("512m")).toBe(512 * 1024 ** 2);
    expect(parseBytes("1.5GB")).toBe(1.5 * 1024 ** 3);
    expect(parseBytes(1024)).toBe(1024);
    expect(splitCommand(`sh -c 'echo "hi there"' a\\ b ""`)).toEqual(["sh", "-c", 'echo "hi there"', "a b", ""]);
    expect(splitCommand(["a", 1])).toEqual(["a", "1"]);
    expect(() => splitCommand('echo "open')).toThrow(/unterminated/);
  });
});
