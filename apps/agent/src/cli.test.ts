/** The command line as the lead's scripts use it: a real process, its exit codes and signals. */
import { type ChildProcess, spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { FakeGateway } from "./testing/fake-gateway.js";
import { withTempDir } from "./testing/helpers.js";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

function startCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", TSX, MAIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function runCli(args: string[], env: Record<string, string> = {}) {
  const { exited, output } = startCli(args, env);
  const code = await exited;
  return { code, ...output() };
}

function stop(child: ChildProcess) {
  child.kill("SIGTERM");
}

describe("flotilla-agent CLI", () => {
  it("rejects a bad option value with exit code 2 and names it", async () => {
    const result = await runCli(["run", "--state-dir", "/nowhere"], { FLOTILLA_INTERVAL_MS: "10" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('flotilla-agent: invalid FLOTILLA_INTERVAL_MS "10": must be at least 1000\n');
  });

  it("enrolls, runs until SIGTERM and exits cleanly with unacked batches kept", () =>
    withTempDir(async (dir) => {
      const gateway = await FakeGateway.start();
      try {
        const stateDir = join(dir, "agent");
        const used = gateway.newToken();
        gateway.tokens.set(used, false);
        const refused = await runCli(["enroll", "--server", gateway.url, "--token", used, "--state-dir", stateDir]);
        expect(refused.code).toBe(3);
        expect(refused.stderr).toMatch(/already used or has expired/);

        const enrolled = await runCli(["enroll", "--server", gateway.url, "--state-dir", stateDir], {
          FLOTILLA_TOKEN: gateway.newToken(),
        });
        expect(enrolled.code).toBe(0);
        expect(enrolled.stdout).toMatch(/^enrolled .* as agent agt_/);
        expect((await stat(join(stateDir, "credentials.json"))).mode & 0o777).toBe(0o600);

        gateway.shouldAck = (frame) => frame.seq === 1;
        const run = startCli(["run", "--state-dir", stateDir, "--interval-ms", "1000", "--log-level", "warn"]);
        await gateway.waitFor(() => gateway.framesOf("metrics").length >= 2, 10_000, "two batches");
        stop(run.child);
        expect(await run.exited).toBe(0);
        expect(run.output().stderr).not.toMatch(/secret|"level":50/);
        const spooled = await readdir(join(stateDir, "spool"));
        expect(spooled).not.toContain("0000000000000001.json");
        expect(spooled.length).toBeGreaterThanOrEqual(1);
      } finally {
        await gateway.close();
      }
    }));

  it("exits with code 3 when the server refuses the credential", () =>
    withTempDir(async (dir) => {
      const gateway = await FakeGateway.start();
      try {
        const stateDir = join(dir, "agent");
        await runCli(["enroll", "--server", gateway.url, "--token", gateway.newToken(), "--state-dir", stateDir]);
        gateway.agents.clear(); // revoked
        const result = await runCli(["run", "--state-dir", stateDir, "--log-level", "fatal"]);
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/refused this agent's credential/);
      } finally {
        await gateway.close();
      }
    }));
});
