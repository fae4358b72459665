/**
 * Real container engines for system tests, each private to one test file: a dockerd, or a
 * Podman API service, with its own data, state, socket, bridge network and a tiny busybox image
 * made locally (no registry is reachable). Stopped cleanly: containers, network, daemon, mounts.
 * Needs root and Debian's docker.io, podman, runc, catatonit, netavark, iptables, busybox-static.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Dockerode from "dockerode";
import { waitFor } from "./wait-for.js";

export type EngineKind = "docker" | "podman";

export interface ContainerEngine {
  kind: EngineKind;
  socketPath: string;
  /** A client for driving the engine as a user would, outside Flotilla. */
  api: Dockerode;
  /** The local busybox image. */
  image: string;
  /** A bridge network of this engine's own; containers join it to get ports and traffic. */
  network: string;
  /** The daemon's output so far, for failure messages. */
  output(): string;
  /** Stops the daemon and starts it again on the same data, as an upgrade or a crash would. */
  restartDaemon(): Promise<void>;
  /** Removes every container and the network, stops the daemon and deletes its files. */
  stop(): Promise<void>;
}

const BINARIES: Record<EngineKind, string[]> = {
  docker: ["/usr/sbin/dockerd", "/usr/bin/containerd", "/usr/sbin/runc", "/bin/busybox"],
  podman: ["/usr/bin/podman", "/usr/sbin/runc", "/usr/bin/catatonit", "/usr/lib/podman/netavark", "/bin/busybox"],
};
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Why this machine cannot run the engine, or undefined when it can. */
export function engineUnavailable(kind: EngineKind): string | undefined {
  if (process.getuid?.() !== 0) return "needs root";
  const missing = BINARIES[kind].filter((b) => !existsSync(b));
  return missing.length > 0
    ? `missing ${missing.join(", ")} (Debian: docker.io podman runc catatonit netavark busybox-static)`
    : undefined;
}

export async function startEngine(kind: EngineKind): Promise<ContainerEngine> {
  const why = engineUnavailable(kind);
  if (why) throw new Error(`cannot start ${kind}: ${why}`);
  // Short: unix socket paths are limited to 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), `flt-${kind}-`));
  const socketPath = join(dir, "api.sock");
  const api = new Dockerode({ socketPath });
  let out = "";
  let daemon: Daemon | undefined;
  const launch = async () => {
    daemon = spawnDaemon(kind === "docker" ? spawnDockerd(dir, socketPath) : spawnPodman(dir, socketPath), (text) => {
      out = (out + text).slice(-50_000);
    });
    const child = daemon.child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}:\n${out}`);
        return api.ping().then(
          () => true,
          () => false,
        );
      },
      60_000,
      () => out,
    );
  };
  const engine: ContainerEngine = {
    kind,
    socketPath,
    api,
    image: "",
    network: "",
    output: () => out,
    restartDaemon: async () => {
      await daemon?.stop();
      await launch();
    },
    stop: async () => {
      if (daemon?.running()) await removeEverything(engine);
      await daemon?.stop();
      cleanUp(dir);
    },
  };
  try {
    await launch();
    engine.image = await importBusybox(api, dir);
    engine.network = await createNetwork(engine);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}

interface Daemon {
  child: ChildProcess;
  running(): boolean;
  /** SIGTERM, then SIGKILL after 30 s. */
  stop(): Promise<void>;
}

function spawnDaemon(child: ChildProcess, keep: (text: string) => void): Daemon {
  child.stdout?.on("data", (chunk: Buffer) => keep(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => keep(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    running,
    async stop() {
      if (!running()) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function spawnDockerd(dir: string, socketPath: string): ChildProcess {
  writeFileSync(join(dir, "daemon.json"), "{}\n"); // never the host's /etc/docker/daemon.json
  // No default bridge and no iptables rules: parallel dockerds would fight over docker0 and the
  // DOCKER chains. Ports are published by docker-proxy on a network each test engine creates.
  const args = [
    ...["--data-root", join(dir, "data"), "--exec-root", join(dir, "exec")],
    ...["-H", `unix://${socketPath}`, "--pidfile", join(dir, "dockerd.pid")],
    ...["--config-file", join(dir, "daemon.json"), "--bridge", "none", "--iptables=false", "--log-level", "warn"],
  ];
  return spawn("/usr/sbin/dockerd", args, { env: { ...process.env, PATH } });
}

function spawnPodman(dir: string, socketPath: string): ChildProcess {
  // crun refuses this machine's hybrid cgroups; file locks and a private tmp_dir keep two
  // services from sharing lock and state files; "file" events need no journald.
  writeFileSync(
    join(dir, "containers.conf"),
    `[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
init_path = "/usr/bin/catatonit"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
tmp_dir = "${dir}/tmp"
lock_type = "file"
[network]
network_backend = "netavark"
network_config_dir = "${dir}/networks"
`,
  );
  writeFileSync(
    join(dir, "storage.conf"),
    `[storage]\ndriver = "overlay"\nrunroot = "${dir}/run"\ngraphroot = "${dir}/storage"\n`,
  );
  const env = {
    ...process.env,
    PATH,
    CONTAINERS_CONF: join(dir, "containers.conf"),
    CONTAINERS_STORAGE_CONF: join(dir, "storage.conf"),
  };
  return spawn("/usr/bin/podman", ["--log-level=warn", "system", "service", "--time=0", `unix://${socketPath}`], {
    env,
  });
}

/** A FROM-nothing image holding busybox-static and its applets, imported from a tarball. */
async function importBusybox(api: Dockerode, dir: string): Promise<string> {
  const rootfs = join(dir, "rootfs");
  await mkdir(join(rootfs, "bin"), { recursive: true });
  for (const d of ["etc", "tmp", "proc", "sys", "dev"]) await mkdir(join(rootfs, d), { recursive: true });
  execFileSync("cp", ["/bin/busybox", join(rootfs, "bin", "busybox")]);
  const applets = execFileSync("/bin/busybox", ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const applet of applets) if (applet !== "busybox") symlinkSync("busybox", join(rootfs, "bin", applet));
  const tarball = join(dir, "rootfs.tar");
  execFileSync("tar", ["-C", rootfs, "-cf", tarball, "."]);
  rmSync(rootfs, { recursive: true, force: true });
  const image = "flotilla-test/busybox:latest";
  const [repo, tag] = image.split(":");
  const stream = await api.importImage(tarball, { repo, tag });
  await new Promise<void>((resolve, reject) => api.modem.followProgress(stream, (e) => (e ? reject(e) : resolve())));
  return image;
}

/** A /24 in 10.x nobody routes yet, so parallel engines never share a subnet. */
function freeSubnet(): string {
  const routes = readFileSync("/proc/net/route", "utf8");
  for (let tries = 0; tries < 100; tries++) {
    const [a, b] = [100 + ((randomBytes(1)[0] ?? 0) % 150), randomBytes(1)[0] ?? 0];
    // /proc/net/route holds destinations as little-endian hex: 10.a.b.0 -> "00" b a "0A".
    const hex = [0, b, a, 10].map((n) => n.toString(16).padStart(2, "0").toUpperCase()).join("");
    if (!routes.includes(`\t${hex}\t`)) return `10.${a}.${b}.0/24`;
  }
  throw new Error("no free 10.x.y.0/24 subnet");
}

async function createNetwork(engine: ContainerEngine): Promise<string> {
  const suffix = randomBytes(4).toString("hex");
  const name = `flt-test-${suffix}`;
  const bridge = `flt${suffix}`; // interface names are at most 15 bytes
  const subnet = freeSubnet();
  if (engine.kind === "docker") {
    await engine.api.createNetwork({
      Name: name,
      Driver: "bridge",
      Options: { "com.docker.network.bridge.name": bridge },
      IPAM: { Config: [{ Subnet: subnet }] },
    });
  } else {
    // The compat endpoint cannot turn DNS off; aardvark-dns would be shared with other services.
    const options = { name, driver: "bridge", network_interface: bridge, subnets: [{ subnet }], dns_enabled: false };
    await new Promise((resolve, reject) =>
      engine.api.modem.dial(
        { path: "/v4.0.0/libpod/networks/create", method: "POST", options, statusCodes: { 200: true, 201: true } },
        (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)),
      ),
    );
  }
  return name;
}

export interface RunOptions {
  name?: string;
  cmd: string[];
  labels?: Record<string, string>;
  /** Container ports to publish on 127.0.0.1, each on a port the engine picks. */
  publish?: number[];
  cpus?: number;
  memoryBytes?: number;
  start?: boolean;
}

/** Creates (and by default starts) a container through the engine's API; returns its id. */
export async function runContainer(engine: ContainerEngine, options: RunOptions): Promise<string> {
  const ports = options.publish ?? [];
  const container = await engine.api.createContainer({
    name: options.name ?? `t-${randomBytes(4).toString("hex")}`,
    Image: engine.image,
    Cmd: options.cmd,
    Labels: options.labels ?? {},
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    HostConfig: {
      // An init forwards SIGTERM, so stops are quick; Podman needs it for clean exits.
      Init: true,
      NetworkMode: engine.network,
      PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: "127.0.0.1", HostPort: "" }]])),
      ...(options.cpus ? { NanoCpus: Math.round(options.cpus * 1e9) } : {}),
      ...(options.memoryBytes ? { Memory: options.memoryBytes } : {}),
    },
  });
  if (options.start !== false) await container.start();
  return container.id;
}

/** Containers and the network go through the API, so the daemon tears down their mounts and links. */
async function removeEverything(engine: ContainerEngine): Promise<void> {
  const containers = await engine.api.listContainers({ all: true }).catch(() => []);
  await Promise.all(
    containers.map((c) =>
      engine.api
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
  if (engine.network)
    await engine.api
      .getNetwork(engine.network)
      .remove()
      .catch(() => {});
}

function cleanUp(dir: string): void {
  // Overlay and shm mounts a daemon left behind keep the directory busy.
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point.startsWith(`${dir}/`))
    .reverse();
  for (const point of mounts) {
    try {
      execFileSync("umount", ["-l", point], { stdio: "ignore" });
    } catch {
      // already gone with its parent
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
