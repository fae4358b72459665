/**
 * Running the host tools the qemu driver needs besides QEMU itself (qemu-img, ip): always an
 * argument array, never a shell, with a timeout, an abort signal and QEMU-style error messages.
 */
import { spawn } from "node:child_process";

export class ToolError extends Error {
  override readonly name = "ToolError";
}

export interface RunToolOptions {
  /** A prefix the command runs under, e.g. ["ip", "netns", "exec", "host-b"]. */
  launcher?: readonly string[];
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each chunk of stdout as it arrives (qemu-img -p progress). */
  onStdout?: (chunk: string) => void;
}

/** The argv to spawn for `command args` under `launcher`. */
export function withLauncher(launcher: readonly string[], command: string, args: readonly string[]): string[] {
  return [...launcher, command, ...args];
}

/** Runs a tool to its end; resolves with stdout, rejects with the tool's own stderr. */
export function runTool(command: string, args: readonly string[], options: RunToolOptions = {}): Promise<string> {
  const [file, ...argv] = withLauncher(options.launcher ?? [], command, args) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"], signal: options.signal });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < 4 * 1024 * 1024) stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 10 * 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new ToolError(`${command}: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new ToolError(`${command} ${args[0] ?? ""}: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
  });
}
