/**
 * The Deploy form's values, turned into a `container.create` payload like `docker run` would
 * build it: empty rows are skipped, numbers and sizes parsed, the command split into argv.
 * Errors are keyed by field (rows by their id) so the form can show each one inline; the
 * server validates the payload again with the protocol's schema and its messages are mapped
 * back onto the same keys. Pure functions.
 */
import type { CommandInput } from "@flotilla/protocol";
import { parseMemory, splitCommand } from "./docker-run";

export type ContainerCreateInput = Extract<CommandInput, { name: "container.create" }>["payload"];
export type RestartName = "no" | "always" | "unless-stopped" | "on-failure";

export interface PortRow {
  id: string;
  hostIp: string;
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp";
}

export interface KeyValueRow {
  id: string;
  key: string;
  value: string;
}

export interface VolumeRow {
  id: string;
  source: string;
  target: string;
  readOnly: boolean;
}

export interface DeployFormValues {
  image: string;
  name: string;
  ports: PortRow[];
  env: KeyValueRow[];
  volumes: VolumeRow[];
  command: string;
  restart: RestartName;
  maxRetries: string;
  cpus: string;
  memory: string;
  labels: KeyValueRow[];
}

/** Messages by field key: "image", "ports.<rowId>.hostPort", "env.<rowId>", "memory", "form"... */
export type FieldErrors = Record<string, string>;

let rowCounter = 0;
export const newRowId = () => `r${++rowCounter}`;

/** Published ports bind to loopback unless the operator chooses otherwise. */
export const DEFAULT_HOST_IP = "127.0.0.1";

export const newPortRow = (): PortRow => ({
  id: newRowId(),
  hostIp: DEFAULT_HOST_IP,
  hostPort: "",
  containerPort: "",
  protocol: "tcp",
});
export const newKeyValueRow = (): KeyValueRow => ({ id: newRowId(), key: "", value: "" });
export const newVolumeRow = (): VolumeRow => ({ id: newRowId(), source: "", target: "", readOnly: false });

export function emptyDeployForm(): DeployFormValues {
  return {
    image: "",
    name: "",
    ports: [newPortRow()],
    env: [newKeyValueRow()],
    volumes: [],
    command: "",
    restart: "no",
    maxRetries: "",
    cpus: "",
    memory: "",
    labels: [],
  };
}

function parseIntIn(input: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(input.trim())) return null;
  const n = Number(input.trim());
  return n >= min && n <= max ? n : null;
}

/** Where each payload array index came from, to map the server's messages back onto rows. */
export interface RowIndex {
  ports: string[];
  volumes: string[];
  env: Map<string, string>;
  labels: Map<string, string>;
}

export interface BuiltDeploy {
  payload: ContainerCreateInput;
  errors: FieldErrors;
  rows: RowIndex;
}

function collectPairs(
  rows: readonly KeyValueRow[],
  field: "env" | "labels",
  errors: FieldErrors,
): { record: Record<string, string>; index: Map<string, string> } {
  const record: Record<string, string> = {};
  const index = new Map<string, string>();
  for (const row of rows) {
    const key = row.key.trim();
    if (!key && !row.value) continue;
    const what = field === "env" ? "variable" : "label";
    if (!key) errors[`${field}.${row.id}`] = `Give the ${what} a name.`;
    else if (field === "env" && key.includes("=")) errors[`${field}.${row.id}`] = "A name cannot contain '='.";
    else if (index.has(key)) errors[`${field}.${row.id}`] = `${key} is set twice.`;
    else {
      record[key] = row.value;
      index.set(key, row.id);
    }
  }
  return { record, index };
}

/** The payload for the form's values, with every problem found before asking the server. */
export function buildCreatePayload(v: DeployFormValues): BuiltDeploy {
  const errors: FieldErrors = {};
  const rows: RowIndex = { ports: [], volumes: [], env: new Map(), labels: new Map() };

  const image = v.image.trim();
  if (!image) errors.image = "Enter the image to run, like nginx:1.27.";
  const name = v.name.trim();

  const ports: ContainerCreateInput["ports"] = [];
  for (const row of v.ports) {
    if (!row.hostPort.trim() && !row.containerPort.trim()) continue;
    const containerPort = parseIntIn(row.containerPort, 1, 65535);
    if (containerPort === null) errors[`ports.${row.id}.containerPort`] = "Enter a port from 1 to 65535.";
    const hostPort = row.hostPort.trim() ? parseIntIn(row.hostPort, 0, 65535) : undefined;
    if (hostPort === null) errors[`ports.${row.id}.hostPort`] = "Enter a port from 0 to 65535, or leave it empty.";
    if (containerPort === null || hostPort === null) continue;
    const hostIp = row.hostIp.trim();
    ports.push({
      ...(hostIp ? { hostIp } : {}),
      ...(hostPort === undefined ? {} : { hostPort }),
      containerPort,
      protocol: row.protocol,
    });
    rows.ports.push(row.id);
  }

  const env = collectPairs(v.env, "env", errors);
  rows.env = env.index;
  const labels = collectPairs(v.labels, "labels", errors);
  rows.labels = labels.index;

  const volumes: ContainerCreateInput["volumes"] = [];
  for (const row of v.volumes) {
    const source = row.source.trim();
    const target = row.target.trim();
    if (!source && !target) continue;
    if (!source) errors[`volumes.${row.id}.source`] = "Enter a host path or a volume name.";
    if (!target) errors[`volumes.${row.id}.target`] = "Enter the path inside the container.";
    if (!source || !target) continue;
    volumes.push({ source, target, readOnly: row.readOnly });
    rows.volumes.push(row.id);
  }

  let command: string[] | undefined;
  if (v.command.trim()) {
    const split = splitCommand(v.command);
    if ("error" in split) errors.command = split.error;
    else command = split.argv;
  }

  let restartPolicy: ContainerCreateInput["restartPolicy"] = { name: v.restart } as { name: "no" };
  if (v.restart === "on-failure") {
    const retries = v.maxRetries.trim() ? parseIntIn(v.maxRetries, 0, 1000) : undefined;
    if (retries === null) errors.maxRetries = "Enter a number from 0 to 1000, or leave it empty.";
    restartPolicy = { name: "on-failure", ...(retries == null ? {} : { maxRetries: retries }) };
  }

  let cpus: number | undefined;
  if (v.cpus.trim()) {
    const n = Number(v.cpus.trim());
    if (!Number.isFinite(n) || n <= 0) errors.cpus = "Enter a number of cores above 0, like 0.5 or 2.";
    else cpus = n;
  }

  let memoryBytes: number | undefined;
  if (v.memory.trim()) {
    const bytes = parseMemory(v.memory);
    if (bytes === null) errors.memory = "Enter a size like 512m or 2g.";
    else memoryBytes = bytes;
  }

  const payload: ContainerCreateInput = {
    image,
    ...(name ? { name } : {}),
    ports,
    env: env.record,
    volumes,
    ...(command ? { command } : {}),
    restartPolicy,
    ...(cpus === undefined ? {} : { cpus }),
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    labels: labels.record,
    start: true,
  };
  return { payload, errors, rows };
}

const BIND_ADDRESS_HINT = "Enter an IPv4 or IPv6 address, or leave it empty for all addresses.";

/** A schema message as a sentence about the field: "is not a valid image reference" -> "This is not ...". */
function readable(text: string): string {
  if (/^(is|must|should|has) /.test(text)) return `This ${text}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Where the form's fields sit in the two requests it makes: commands.request and deploy.create. */
const PAYLOAD_PREFIXES = ["command.payload.", "config."];
/** Fields of deploy.create outside its config. */
const TOP_LEVEL_FIELDS = new Set(["image", "name", "replicas"]);

/**
 * The server's validation message ("command.payload.ports.0.hostIp: Invalid IPv4 address;
 * config.memoryBytes: Too small") as errors on the form's fields. Anything that names no
 * field lands on "form".
 */
export function fieldErrorsFromServer(message: string, rows: RowIndex): FieldErrors {
  const errors: FieldErrors = {};
  const add = (key: string, text: string) => {
    errors[key] = errors[key] ? `${errors[key]} ${text}` : text;
  };
  for (const part of message.split(/; (?=[\w.[\]-]+: )/)) {
    const colon = part.indexOf(": ");
    const path = colon > 0 ? part.slice(0, colon) : "";
    const text = colon > 0 ? part.slice(colon + 2) : part;
    const prefix = PAYLOAD_PREFIXES.find((p) => path.startsWith(p));
    if (!prefix && !TOP_LEVEL_FIELDS.has(path)) {
      add("form", part);
      continue;
    }
    const [field, second, third] = path.slice(prefix?.length ?? 0).split(".");
    const sentence = readable(text);
    switch (field) {
      case "image":
      case "name":
      case "command":
      case "cpus":
      case "replicas":
        add(field, sentence);
        break;
      case "memoryBytes":
        add("memory", sentence);
        break;
      case "restartPolicy":
        add(second === "maxRetries" ? "maxRetries" : "form", sentence);
        break;
      case "ports":
      case "volumes": {
        const rowId = rows[field][Number(second)];
        // zod's union of IPv4 and IPv6 says only "Invalid input".
        const message = third === "hostIp" && /^invalid input$/i.test(text) ? BIND_ADDRESS_HINT : sentence;
        add(rowId && third ? `${field}.${rowId}.${third}` : "form", message);
        break;
      }
      case "env":
      case "labels": {
        const rowId = second === undefined ? undefined : rows[field].get(second);
        add(rowId ? `${field}.${rowId}` : "form", sentence);
        break;
      }
      default:
        add("form", part);
    }
  }
  return errors;
}

/** A deployment's stored config: the create payload without what each replica gets itself. */
export function deploymentConfigOf(
  payload: ContainerCreateInput,
): Omit<ContainerCreateInput, "image" | "name" | "start"> {
  const { image: _image, name: _name, start: _start, ...config } = payload;
  return config;
}
