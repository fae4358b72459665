/**
 * Docker's command-line syntax, for the Deploy form: `--memory` sizes, a command line split
 * into argv the way a shell would (without running one), and the `docker run` line a payload
 * amounts to. Pure functions.
 */
import type { ContainerCreateInput } from "./deploy-form";

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `docker run --memory` sizes: "512m", "1.5g", "256MiB", "1073741824" -> bytes; null when not a size. */
export function parseMemory(input: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(input.trim());
  if (!m?.[1]) return null;
  const unit = MEMORY_UNITS[(m[2] ?? "").toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/**
 * A command line split into argv as a POSIX shell would, without running a shell:
 * `sh -c "echo hi"` -> ["sh", "-c", "echo hi"]. Variables and globs are left as they are.
 */
export function splitCommand(input: string): { argv: string[] } | { error: string } {
  const argv: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else current += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < input.length && '"\\$`'.includes(input[i + 1] as string)) current += input[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < input.length) {
      current += input[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) argv.push(current);
      current = "";
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) return { error: `A ${quote === "'" ? "single" : "double"} quote is not closed.` };
  if (inWord) argv.push(current);
  return { argv };
}

/** A word as a POSIX shell reads it: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

function memoryFlag(bytes: number): string {
  for (const [unit, size] of [
    ["g", 1024 ** 3],
    ["m", 1024 ** 2],
    ["k", 1024],
  ] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** The `docker run` line that does what the payload does, for operators who think in it. */
export function dockerRunPreview(p: ContainerCreateInput): string {
  const args = ["docker", "run", "-d"];
  if (p.name) args.push("--name", shellQuote(p.name));
  for (const port of p.ports ?? []) {
    const host = [port.hostIp, port.hostPort || (port.hostIp ? "" : undefined)].filter((x) => x !== undefined);
    const spec = `${host.length ? `${host.join(":")}:` : ""}${port.containerPort}${port.protocol === "udp" ? "/udp" : ""}`;
    args.push("-p", spec);
  }
  for (const [key, value] of Object.entries(p.env ?? {})) args.push("-e", shellQuote(`${key}=${value}`));
  for (const v of p.volumes ?? []) args.push("-v", shellQuote(`${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`));
  const restart = p.restartPolicy;
  if (restart && restart.name !== "no") {
    const retries = restart.name === "on-failure" && restart.maxRetries !== undefined ? `:${restart.maxRetries}` : "";
    args.push("--restart", `${restart.name}${retries}`);
  }
  if (p.cpus !== undefined) args.push("--cpus", String(p.cpus));
  if (p.memoryBytes !== undefined) args.push("--memory", memoryFlag(p.memoryBytes));
  for (const [key, value] of Object.entries(p.labels ?? {})) args.push("-l", shellQuote(`${key}=${value}`));
  args.push(p.image ? shellQuote(p.image) : "<image>");
  for (const word of p.command ?? []) args.push(shellQuote(word));
  return args.join(" ");
}
