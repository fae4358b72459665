// The deployment files cannot be built or applied on a machine without image registries or a
// cluster, so their invariants are checked here by parsing them: the Kubernetes manifests, the
// compose file, the Dockerfiles and the server's entrypoint script.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseConfig } from "../apps/web/src/server/env.js";

const INFRA = import.meta.dirname;
const ROOT = join(INFRA, "..");
const read = (path: string) => readFileSync(join(INFRA, path), "utf8");
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|DATABASE_URL/;

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field by the assertions
type Obj = Record<string, any>;

function k8sObjects(): Obj[] {
  const kustomization = parse(read("k8s/kustomization.yaml")) as Obj;
  return (kustomization.resources as string[]).flatMap((file) => {
    expect(existsSync(join(INFRA, "k8s", file)), `k8s/${file} listed in kustomization.yaml`).toBe(true);
    return parseAllDocuments(read(`k8s/${file}`)).map((d) => {
      expect(d.errors, file).toEqual([]);
      return d.toJS() as Obj;
    });
  });
}

function only(objects: Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.length, kind).toBe(1);
  return found[0] as Obj;
}

function envOf(container: Obj): Map<string, Obj> {
  return new Map((container.env as Obj[]).map((e) => [e.name as string, e]));
}

function expectNonRoot(podSpec: Obj, container: Obj) {
  expect(podSpec.securityContext.runAsNonRoot).toBe(true);
  expect(podSpec.securityContext.runAsUser).toBeGreaterThan(0);
  expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  expect(container.securityContext.capabilities.drop).toContain("ALL");
}

function expectSecretsFromSecrets(container: Obj) {
  for (const e of container.env as Obj[]) {
    if (SECRET_NAME.test(e.name)) {
      expect(e.value, `${e.name} must come from a Secret`).toBeUndefined();
      expect(e.valueFrom?.secretKeyRef?.name, e.name).toBeTruthy();
    }
  }
}

describe("Kubernetes manifests (infra/k8s)", () => {
  const objects = k8sObjects();
  const deployment = only(objects, "Deployment");
  const pod = deployment.spec.template.spec as Obj;
  const server = pod.containers[0] as Obj;

  it("runs several server replicas of the kustomized image, rolling without losing capacity", () => {
    expect(deployment.spec.replicas).toBeGreaterThan(1);
    const kustomization = parse(read("k8s/kustomization.yaml")) as Obj;
    expect(kustomization.images.map((i: Obj) => i.name)).toContain(server.image);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it("takes DATABASE_URL and every secret from Secrets, and the rest from a ConfigMap the server accepts", () => {
    const env = envOf(server);
    expect(env.get("DATABASE_URL")?.valueFrom.secretKeyRef).toEqual({ name: "flotilla-db", key: "DATABASE_URL" });
    expectSecretsFromSecrets(server);
    const configMap = only(objects, "ConfigMap");
    expect(server.envFrom.map((e: Obj) => e.configMapRef?.name)).toContain(configMap.metadata.name);
    for (const key of Object.keys(configMap.data)) expect(SECRET_NAME.test(key), key).toBe(false);
    // The server's own config parser must accept these values (a typo would stop every pod).
    const plainEnv = Object.fromEntries(
      [...env].filter(([, e]) => e.value !== undefined).map(([k, e]) => [k, e.value]),
    );
    const config = parseConfig({ ...configMap.data, ...plainEnv, DATABASE_URL: "postgres://u:p@db:5432/flotilla" });
    expect(config.retentionDays.raw).toBe(Number(configMap.data.FLOTILLA_RETENTION_RAW_DAYS));
  });

  it("probes /healthz on the container's port, and runs as a non-root user", () => {
    const port = server.ports.find((p: Obj) => p.name === "http");
    expect(port.containerPort).toBe(3000);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(server[probe].httpGet, probe).toEqual({ path: "/healthz", port: "http" });
    }
    expectNonRoot(pod, server);
    expect(server.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(server.resources.requests.cpu).toBeTruthy();
    expect(server.resources.limits.memory).toBeTruthy();
  });

  it("routes Service, Ingress (with TLS) and the disruption budget to the server pods", () => {
    const labels = deployment.spec.template.metadata.labels as Obj;
    const service = only(objects, "Service");
    for (const [k, v] of Object.entries(service.spec.selector)) expect(labels[k]).toBe(v);
    expect(service.spec.ports[0].targetPort).toBe("http");
    const pdb = only(objects, "PodDisruptionBudget");
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    const ingress = only(objects, "Ingress");
    expect(ingress.spec.tls[0].secretName).toBeTruthy();
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).toBe(service.metadata.name);
    expect(service.spec.ports.map((p: Obj) => p.name)).toContain(backend.port.name);
  });

  it("migrates with the same image in a Job, before the servers", () => {
    const job = only(objects, "Job");
    const spec = job.spec.template.spec as Obj;
    const container = spec.containers[0] as Obj;
    expect(container.image).toBe(server.image);
    expect(container.args).toEqual(["migrate"]);
    expect(envOf(container).get("DATABASE_URL")?.valueFrom.secretKeyRef.name).toBe("flotilla-db");
    expect(spec.restartPolicy).toBe("Never");
    expectNonRoot(spec, container);
  });
});

describe("compose file (infra/compose.yaml)", () => {
  const compose = parse(read("compose.yaml")) as Obj;
  const services = compose.services as Obj;

  it("has PostgreSQL, a migration step, the server and an agent, started in that order", () => {
    expect(Object.keys(services)).toEqual(["postgres", "migrate", "server", "agent"]);
    expect(services.migrate.depends_on.postgres.condition).toBe("service_healthy");
    expect(services.server.depends_on.migrate.condition).toBe("service_completed_successfully");
    expect(services.agent.depends_on.server.condition).toBe("service_healthy");
    expect(services.server.environment.DATABASE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(services.agent.environment.FLOTILLA_SERVER).toBe("http://server:3000");
  });

  it("builds from the Dockerfiles in infra/docker and publishes on loopback only", () => {
    for (const name of ["migrate", "agent"]) {
      expect(existsSync(join(INFRA, services[name].build.context, services[name].build.dockerfile)), name).toBe(true);
    }
    for (const port of services.server.ports as string[]) expect(port.startsWith("127.0.0.1:")).toBe(true);
    expect(services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(services.server.healthcheck.test.join(" ")).toContain("/healthz");
  });
});

/** Instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(file: string): Array<{ op: string; args: string }> {
  return read(file)
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op = "", ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

describe("Dockerfiles (infra/docker)", () => {
  for (const file of ["docker/server.Dockerfile", "docker/agent.Dockerfile"]) {
    it(`${file}: multi-stage, ends as a non-root user, every instruction known`, () => {
      const steps = instructions(file);
      const known = [
        "ARG",
        "FROM",
        "ENV",
        "RUN",
        "WORKDIR",
        "COPY",
        "USER",
        "EXPOSE",
        "HEALTHCHECK",
        "ENTRYPOINT",
        "CMD",
        "VOLUME",
      ];
      for (const s of steps) expect(known, `${file}: ${s.op}`).toContain(s.op);
      expect(steps.filter((s) => s.op === "FROM").length).toBeGreaterThanOrEqual(2);
      const lastFrom = steps.map((s) => s.op).lastIndexOf("FROM");
      const users = steps.slice(lastFrom).filter((s) => s.op === "USER");
      expect(users.length).toBe(1);
      expect(users[0]?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      // Files copied from the build context (not from a stage) must exist.
      for (const s of steps.filter((x) => x.op === "COPY" && !x.args.includes("--from="))) {
        const parts = s.args.split(/\s+/).filter((p) => !p.startsWith("--"));
        for (const src of parts.slice(0, -1)) {
          if (src !== ".") expect(existsSync(join(ROOT, src)), `${file}: COPY ${src}`).toBe(true);
        }
      }
    });
  }

  it("the server image checks /healthz and its entrypoint script is valid sh", () => {
    const steps = instructions("docker/server.Dockerfile");
    expect(steps.find((s) => s.op === "HEALTHCHECK")?.args).toContain("/healthz");
    const check = spawnSync("sh", ["-n", join(INFRA, "docker/server-entrypoint.sh")], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
    const script = read("docker/server-entrypoint.sh");
    expect(script).toContain("apps/web/server.ts");
    expect(script).toContain("packages/db/src/cli/migrate.ts");
    expect(existsSync(join(ROOT, "packages/db/src/cli/migrate.ts"))).toBe(true);
  });

  it("the agent's systemd unit runs the bundled agent", () => {
    expect(read("agent/flotilla-agent.service")).toMatch(/^ExecStart=.*flotilla-agent\.mjs run$/m);
  });
});
