// The host installer as an operator runs it (as root): it creates the agent's own user,
// installs the bundle and the systemd unit, and enrols with a one-time token, leaving a
// credential only that user can read.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, type Proc, ROOT, startServer } from "../support/processes.js";

const UNIT = "/etc/systemd/system/flotilla-agent.service";
const USER = "flotilla-agent";

let db: SeededDatabase;
let server: Proc;
let serverUrl: string;
let userExisted = false;
let unitExisted = false;
const work = mkdtempSync(join(tmpdir(), "flotilla-install-"));

beforeAll(async () => {
  userExisted = spawnSync("id", ["-u", USER]).status === 0;
  unitExisted = existsSync(UNIT);
  db = await startSeededDatabase();
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  // The agent's user must be able to reach its state dir below this folder.
  chmodSync(work, 0o755);
});

afterAll(async () => {
  await server?.stop();
  await db?.stop();
  // Leave the machine as it was: only undo what this test created.
  if (!unitExisted) rmSync(UNIT, { force: true });
  if (!userExisted) {
    spawnSync("userdel", [USER]);
    rmSync("/opt/flotilla-agent", { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
});

function install(args: string[]) {
  return spawnSync("bash", [join(ROOT, "infra/agent/install-agent.sh"), ...args], { encoding: "utf8" });
}

describe("install-agent.sh", () => {
  it("installs, enrols as an unprivileged user, and writes the systemd unit", async () => {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const stateDir = join(work, "state");
    const r = install(["--server", serverUrl, "--token", token, "--bundle", AGENT_BIN, "--state-dir", stateDir]);
    expect(r.status, r.stdout + r.stderr).toBe(0);

    const uid = Number(spawnSync("id", ["-u", USER], { encoding: "utf8" }).stdout.trim());
    expect(uid).toBeGreaterThan(0);
    const credential = statSync(join(stateDir, "credentials.json"));
    expect(credential.uid, "the credential belongs to the agent's user").toBe(uid);
    expect(credential.mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    const { hostId } = JSON.parse(readFileSync(join(stateDir, "credentials.json"), "utf8")) as { hostId: string };
    expect(await db.prisma.host.count({ where: { id: hostId } })).toBe(1);

    const unit = readFileSync(UNIT, "utf8");
    expect(unit).toContain("User=flotilla-agent");
    expect(unit).toContain(`ReadWritePaths=${stateDir}`);
    expect(unit).not.toContain("@GROUPS@");
    expect(existsSync("/opt/flotilla-agent/flotilla-agent.mjs")).toBe(true);
  });

  it("refuses a spent token and says so", async () => {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const first = install([
      "--server",
      serverUrl,
      "--token",
      token,
      "--bundle",
      AGENT_BIN,
      "--state-dir",
      join(work, "a"),
    ]);
    expect(first.status, first.stderr).toBe(0);
    const again = install([
      "--server",
      serverUrl,
      "--token",
      token,
      "--bundle",
      AGENT_BIN,
      "--state-dir",
      join(work, "b"),
    ]);
    expect(again.status).not.toBe(0);
    expect(again.stdout + again.stderr).toMatch(/already used/i);
  });

  it("explains its usage when the token is missing", () => {
    const r = install(["--server", serverUrl]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: install-agent.sh --server URL --token TOKEN/);
  });
});
