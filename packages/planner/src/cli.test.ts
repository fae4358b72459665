// The CLI as an operator runs it: `npm run --silent plan -- <file>` from the repository root.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { planConsolidation } from "./plan-consolidation.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "planner-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = {
  hosts: [
    { id: "h1", cpu: 16, memoryMb: 65536, maintenance: false },
    { id: "h2", cpu: 16, memoryMb: 65536, maintenance: false },
  ],
  workloads: [
    { id: "w1", kind: "vm", host: "h1", cpu: 2, memoryMb: 4096, antiAffinity: null, pinned: false },
    { id: "w2", kind: "container", host: "h2", cpu: 1, memoryMb: 2048, antiAffinity: null, pinned: false },
  ],
  policy: { cpuHeadroom: 0.8, memoryHeadroom: 0.9 },
};

function runPlan(file: string, contents: string | null, stdin?: string) {
  const path = join(dir, file);
  if (contents !== null) writeFileSync(path, contents);
  const result = spawnSync("npm", ["run", "--silent", "plan", "--", file === "-" ? "-" : path], {
    cwd: ROOT,
    encoding: "utf8",
    input: stdin,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run --silent plan", () => {
  it("prints only the plan JSON on stdout", () => {
    const { status, stdout, stderr } = runPlan("fleet.json", JSON.stringify(input));
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual(planConsolidation(input));
  });

  it("reads the input from stdin when given -", () => {
    const { status, stdout } = runPlan("-", null, JSON.stringify(input));
    expect(status).toBe(0);
    expect(JSON.parse(stdout).figures.hostsAfter).toBe(1);
  });

  it.each([
    [
      "schema-invalid input",
      "bad.json",
      JSON.stringify({ ...input, policy: {} }),
      /^plan: invalid_input: invalid planner input: policy\.cpuHeadroom/,
    ],
    ["text that is not JSON", "text.json", "hosts: []", /^plan: invalid_input: input is not valid JSON/],
    [
      "unsatisfiable input",
      "pinned.json",
      JSON.stringify({ ...input, hosts: input.hosts.map((h) => ({ ...h, maintenance: true })) }),
      /^plan: insufficient_capacity: no usable hosts/,
    ],
    ["a missing file", "missing.json", null, /^plan: cannot read .*missing\.json/],
  ])("exits non-zero with the reason on stderr for %s", (_name, file, contents, reason) => {
    const { status, stdout, stderr } = runPlan(file, contents);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(reason);
  });
});
