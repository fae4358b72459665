/**
 * Running virsh: always an argument array (no shell), always against an explicit connection URI,
 * with a timeout. `watchEvents` keeps `virsh event --all --loop` running and hands over its lines.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";

export class VirshError extends Error {
  override readonly name = "VirshError";
}

export interface VirshOptions {
  binary: string;
  uri: string;
  timeoutMs: number;
}

/** Runs `virsh -c URI ...args`; resolves with stdout, rejects with virsh's own error message. */
export function runVirsh({ binary, uri, timeoutMs }: VirshOptions, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ["-c", uri, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const detail = stderr.trim().replace(/^error:\s*/gm, "") || error.message;
        reject(new VirshError(`virsh ${args[0] ?? ""}: ${detail}`, { cause: error }));
      },
    );
  });
}

/** A running `virsh event --all --loop --timestamp`; `onExit` fires when it ends for any reason. */
export function watchEvents(
  { binary, uri }: Pick<VirshOptions, "binary" | "uri">,
  onLine: (line: string) => void,
  onExit: (detail: string) => void,
): ChildProcess {
  const child = spawn(binary, ["-c", uri, "event", "--all", "--loop", "--timestamp"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffer = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffer += chunk;
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    if (stderr.length < 4096) stderr += chunk;
  });
  child.on("error", (error) => onExit(error.message));
  child.on("exit", (code, signal) => onExit(stderr.trim() || `exit ${code ?? signal}`));
  return child;
}
