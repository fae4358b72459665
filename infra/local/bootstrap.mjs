#!/usr/bin/env node
// Entry point of `npm start` and `npm test` on a fresh machine: makes sure the pinned pnpm,
// the workspace's packages, the generated Prisma client and the builds exist, then hands
// over to the TypeScript launcher. Dependency-free on purpose: nothing is installed yet.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PNPM_VERSION = "12.4.2";
const mode = process.argv[2];
if (mode !== "start" && mode !== "test") {
  console.error("usage: bootstrap.mjs start|test");
  process.exit(2);
}

function step(message) {
  console.log(`\x1b[36m›\x1b[0m ${message}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`\nfailed: ${cmd} ${args.join(" ")} (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

function pnpmVersion() {
  try {
    return execFileSync("pnpm", ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

function ensurePnpm() {
  if (pnpmVersion() === PNPM_VERSION) return;
  step(`installing pnpm ${PNPM_VERSION}`);
  run("npm", ["install", "-g", `pnpm@${PNPM_VERSION}`, "--no-fund", "--no-audit"]);
}

/** Newest modification time under the given paths (files or folders), skipping build output. */
function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p)) {
        if (name === "node_modules" || name === ".next" || name === "dist" || name === "generated") continue;
        walk(join(p, name));
      }
    } else if (s.mtimeMs > newest) newest = s.mtimeMs;
  };
  for (const p of paths) walk(join(ROOT, p));
  return newest;
}

function isStale(output, inputs) {
  const out = join(ROOT, output);
  return !existsSync(out) || statSync(out).mtimeMs < newestMtime(inputs);
}

/** Debian packages the test suite needs: real Chromium, container engines, QEMU, promtool. */
const TEST_DEBIAN_PACKAGES = [
  "chromium",
  "prometheus",
  "docker.io",
  "podman",
  "runc",
  "catatonit",
  "netavark",
  "aardvark-dns",
  "iptables",
  "slirp4netns",
  "uidmap",
  "qemu-system-x86",
  "qemu-utils",
  "busybox-static",
  // The load balancer in front of several server nodes (test/system/multi-node.test.ts).
  "nginx",
  "cpio",
  "iproute2",
  "libvirt-clients",
  "libvirt-daemon",
  "libvirt-daemon-driver-qemu",
  "libvirt-daemon-system",
  "docker-registry",
];

function isInstalled(pkg) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template.
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

function ensureDebianPackages(packages) {
  const missing = packages.filter((p) => !isInstalled(p));
  if (missing.length === 0) return;
  step(`installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
}

ensurePnpm();
step("installing workspace packages");
run("pnpm", ["install", "--frozen-lockfile", "--prefer-offline"]);

if (isStale("packages/db/src/generated/prisma/client.ts", ["packages/db/prisma/schema.prisma"])) {
  step("generating the Prisma client");
  run("pnpm", ["--filter", "@flotilla/db", "run", "generate"]);
}
if (
  isStale("apps/agent/dist/flotilla-agent.mjs", [
    "apps/agent/src",
    "apps/agent/build.mjs",
    "apps/agent/package.json",
    "packages/protocol/src",
  ])
) {
  step("bundling the agent");
  run("pnpm", ["--filter", "@flotilla/agent", "run", "build"]);
}
const webInputs = ["apps/web/src/app", "apps/web/src/components", "apps/web/src/lib", "apps/web/src/shared"];
if (isStale("apps/web/.next/BUILD_ID", [...webInputs, "apps/web/next.config.ts", "apps/web/package.json"])) {
  step("building the dashboard (next build)");
  run("pnpm", ["--filter", "@flotilla/web", "run", "build"], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
}

if (mode === "test") ensureDebianPackages(TEST_DEBIAN_PACKAGES);

const script = mode === "start" ? "infra/local/start.ts" : "infra/local/run-tests.ts";
const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, script), ...process.argv.slice(3)], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
// The launcher handles Ctrl-C itself (it stops what it started); don't die before it does.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
