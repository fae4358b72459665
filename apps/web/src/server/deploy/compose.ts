/**
 * A compose file read into what a stack deploys: one container config per service, in the order
 * depends_on asks for. What Flotilla cannot apply is reported as a warning naming the key, never
 * dropped silently; what would make the stack wrong (no image, a cycle, a bad port) is an error.
 */
import { parseDocument } from "yaml";
import {
  parseBytes,
  parseCpus,
  parseKeyValues,
  parsePorts,
  parseRestart,
  parseVolume,
  splitCommand,
} from "./compose-values.js";
import { type DeploymentConfig, deploymentConfigSchema, imageReferenceSchema } from "./spec.js";

export interface ComposeService {
  name: string;
  image: string;
  config: DeploymentConfig;
  /** Services this one starts after. */
  dependsOn: string[];
}

export interface ComposeProject {
  /** In start order: every service comes after the services it depends on. */
  services: ComposeService[];
  warnings: string[];
}

export class ComposeError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "ComposeError";
  }
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const TOP_LEVEL_IGNORED = new Set(["networks", "secrets", "configs", "include"]);

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function parseCompose(source: string): ComposeProject {
  const doc = parseDocument(source, { uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new ComposeError(doc.errors.slice(0, 3).map((e) => `YAML: ${e.message.split("\n")[0]}`));
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isMapping(root) || !isMapping(root.services) || Object.keys(root.services).length === 0) {
    throw new ComposeError(["the file needs a services: mapping with at least one service"]);
  }
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const key of Object.keys(root)) {
    if (key === "services" || key === "name" || key.startsWith("x-")) continue;
    if (key === "version") warnings.push("version is obsolete and was ignored");
    else if (key === "volumes") warnings.push(...volumeDeclarationWarnings(root.volumes));
    else warnings.push(`${key}: ${TOP_LEVEL_IGNORED.has(key) ? "not supported" : "unknown key"}, ignored`);
  }
  const services: ComposeService[] = [];
  for (const [name, body] of Object.entries(root.services)) {
    if (!SERVICE_NAME.test(name)) {
      problems.push(`services.${name}: a service name must be lower-case letters, digits, '_', '.' or '-'`);
      continue;
    }
    const parsed = parseService(name, body, warnings, problems);
    if (parsed) services.push(parsed);
  }
  checkDependencies(services, problems);
  if (problems.length > 0) throw new ComposeError(problems);
  return { services: startOrder(services), warnings };
}

function volumeDeclarationWarnings(volumes: unknown): string[] {
  if (!isMapping(volumes)) return volumes == null ? [] : ["volumes: must be a mapping, ignored"];
  // Named volumes are created by the engine on first use; options (driver, external…) are not applied.
  return Object.entries(volumes)
    .filter(([, options]) => isMapping(options) && Object.keys(options).length > 0)
    .map(([name]) => `volumes.${name}: volume options are not supported, the engine's defaults apply`);
}

const SERVICE_KEYS: Record<string, (value: unknown, into: ServiceDraft) => void> = {
  image: (v, d) => {
    d.image = String(v);
  },
  ports: (v, d) => {
    if (!Array.isArray(v)) throw new Error("must be a list");
    d.config.ports = v.flatMap(parsePorts);
  },
  environment: (v, d) => {
    for (const [key, value] of parseKeyValues(v)) {
      if (value === null)
        d.warnings.push(`environment.${key}: no value given and none is taken from the shell, left unset`);
      else d.config.env[key] = value;
    }
  },
  volumes: (v, d) => {
    if (!Array.isArray(v)) throw new Error("must be a list");
    for (const [i, item] of v.entries()) {
      const volume = parseVolume(item);
      if (volume) d.config.volumes.push(volume);
      else d.warnings.push(`volumes.${i}: anonymous volumes are not supported, ignored`);
    }
  },
  command: (v, d) => {
    d.config.command = splitCommand(v);
  },
  depends_on: (v, d) => {
    if (Array.isArray(v)) d.dependsOn = v.map(String);
    else if (isMapping(v)) {
      d.dependsOn = Object.keys(v);
      for (const [dep, options] of Object.entries(v)) {
        const condition = isMapping(options) ? options.condition : undefined;
        if (condition !== undefined && condition !== "service_started") {
          d.warnings.push(`depends_on.${dep}: condition ${String(condition)} is treated as service_started`);
        }
      }
    } else throw new Error("must be a list or a mapping of service names");
  },
  restart: (v, d) => {
    d.config.restartPolicy = parseRestart(v);
  },
  labels: (v, d) => {
    for (const [key, value] of parseKeyValues(v)) d.config.labels[key] = value ?? "";
  },
  deploy: (v, d) => parseDeploy(v, d),
};

interface ServiceDraft {
  image: string | undefined;
  config: {
    ports: unknown[];
    env: Record<string, string>;
    volumes: unknown[];
    labels: Record<string, string>;
  } & Mapping;
  dependsOn: string[];
  warnings: string[];
}

function parseService(name: string, body: unknown, warnings: string[], problems: string[]): ComposeService | null {
  const where = `services.${name}`;
  if (!isMapping(body)) {
    problems.push(`${where}: must be a mapping`);
    return null;
  }
  const draft: ServiceDraft = {
    image: undefined,
    config: { ports: [], env: {}, volumes: [], labels: {} },
    dependsOn: [],
    warnings: [],
  };
  for (const [key, value] of Object.entries(body)) {
    const apply = SERVICE_KEYS[key];
    if (key.startsWith("x-")) continue;
    if (!apply) {
      draft.warnings.push(
        `${key}: ${key === "build" ? "building images is not supported here" : "not supported"}, ignored`,
      );
      continue;
    }
    try {
      apply(value, draft);
    } catch (err) {
      problems.push(`${where}.${key}: ${(err as Error).message}`);
    }
  }
  warnings.push(...draft.warnings.map((w) => `${where}.${w}`));
  if (!draft.image) {
    problems.push(`${where}: needs an image`);
    return null;
  }
  const image = imageReferenceSchema.safeParse(draft.image);
  const config = deploymentConfigSchema.safeParse(draft.config);
  if (!image.success) problems.push(`${where}.image: ${draft.image} ${image.error.issues[0]?.message ?? "is invalid"}`);
  for (const issue of config.success ? [] : config.error.issues.slice(0, 3)) {
    problems.push(`${where}.${issue.path.join(".")}: ${issue.message}`);
  }
  if (!image.success || !config.success) return null;
  return { name, image: image.data, config: config.data, dependsOn: [...new Set(draft.dependsOn)] };
}

/** deploy.resources.limits become the container's limits; the rest of deploy is swarm's business. */
function parseDeploy(value: unknown, d: ServiceDraft): void {
  if (!isMapping(value)) throw new Error("must be a mapping");
  for (const [key, section] of Object.entries(value)) {
    if (key !== "resources") {
      d.warnings.push(`deploy.${key}: not supported (a stack runs one container per service), ignored`);
      continue;
    }
    if (!isMapping(section)) throw new Error("resources must be a mapping");
    for (const [kind, limits] of Object.entries(section)) {
      if (kind !== "limits") {
        d.warnings.push(`deploy.resources.${kind}: not supported, ignored`);
        continue;
      }
      if (!isMapping(limits)) throw new Error("resources.limits must be a mapping");
      for (const [limit, amount] of Object.entries(limits)) {
        if (limit === "cpus") d.config.cpus = parseCpus(amount);
        else if (limit === "memory") d.config.memoryBytes = parseBytes(amount);
        else d.warnings.push(`deploy.resources.limits.${limit}: not supported, ignored`);
      }
    }
  }
}

function checkDependencies(services: ComposeService[], problems: string[]): void {
  const names = new Set(services.map((s) => s.name));
  for (const s of services) {
    for (const dep of s.dependsOn) {
      if (dep === s.name) problems.push(`services.${s.name}.depends_on: a service cannot depend on itself`);
      else if (!names.has(dep)) problems.push(`services.${s.name}.depends_on: there is no service ${dep}`);
    }
  }
  if (problems.length > 0) return;
  const cycle = findCycle(services);
  if (cycle) problems.push(`depends_on has a cycle: ${cycle.join(" -> ")}`);
}

/** A dependency cycle as a path that starts and ends at the same service, or null. */
function findCycle(services: ComposeService[]): string[] | null {
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return [...path.slice(path.indexOf(name)), name];
    state.set(name, "visiting");
    path.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(name, "done");
    return null;
  };
  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return null;
}

/** Kahn's order; among services that are ready at once, the file's order decides. */
function startOrder(services: ComposeService[]): ComposeService[] {
  const ordered: ComposeService[] = [];
  const started = new Set<string>();
  while (ordered.length < services.length) {
    const next = services.find((s) => !started.has(s.name) && s.dependsOn.every((d) => started.has(d)));
    if (!next) break; // unreachable: cycles were refused
    ordered.push(next);
    started.add(next.name);
  }
  return ordered;
}
