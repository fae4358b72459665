/**
 * Real container engines for system tests, each private to one test file: a dockerd, or a
 * Podman API service, with its own data, state, socket, bridge network and a tiny busybox image
 * made locally (no registry is reachable). Stopped cleanly: containers, network, daemon, mounts.
 * Needs root and Debian's docker.io, podman, runc, catatonit, netavark, iptables, busybox-static.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Dockerode from "dockerode";
import {
  createBridge,
  type DaemonOptions,
  freeSubnet,
  networkNames,
  spawnDockerd,
  spawnPodman,
} from "./engine-daemons.js";
import { waitFor } from "./wait-for.js";

export type EngineKind = "docker" | "podman";

export interface ContainerEngine {
  kind: EngineKind;
  socketPath: string;
  /** A client for driving the engine as a user would, outside Flotilla. */
  api: Dockerode;
  /** The local busybox image. */
  image: string;
  /**
   * A bridge network of this engine's own; containers join it to get ports and traffic.
   * Containers created without a network get a working one too: dockerd's default bridge is an
   * interface of this engine's own, and this network is Podman's default.
   */
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

/** Why this machine cannot run the engine, or undefined when it can. */
export function engineUnavailable(kind: EngineKind): string | undefined {
  if (process.getuid?.() !== 0) return "needs root";
  const missing = BINARIES[kind].filter((b) => !existsSync(b));
  return missing.length > 0
    ? `missing ${missing.join(", ")} (Debian: docker.io podman runc catatonit netavark busybox-static)`
    : undefined;
}

export type EngineOptions = DaemonOptions;

export async function startEngine(kind: EngineKind, options: EngineOptions = {}): Promise<ContainerEngine> {
  const why = engineUnavailable(kind);
  if (why) throw new Error(`cannot start ${kind}: ${why}`);
  // Short: unix socket paths are limited to 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), `flt-${kind}-`));
  const socketPath = join(dir, "api.sock");
  const api = new Dockerode({ socketPath });
  let out = "";
  let daemon: Daemon | undefined;
  // Kept across daemon restarts: the same default network before and after.
  const bridge = kind === "docker" ? createBridge() : undefined;
  const names = networkNames();
  const launch = async () => {
    const child =
      kind === "docker" && bridge
        ? spawnDockerd(dir, socketPath, bridge.bridge)
        : spawnPodman(dir, socketPath, names, options);
    daemon = spawnDaemon(child, (text) => {
      out = (out + text).slice(-50_000);
    });
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
      bridge?.remove();
      cleanUp(dir);
    },
  };
  try {
    await launch();
    engine.image = await importBusybox(api, dir);
    engine.network = await createNetwork(engine, names);
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

/** Docker: a user-defined bridge network. Podman: its default network, defined before it started. */
async function createNetwork(engine: ContainerEngine, names: { name: string; bridge: string }): Promise<string> {
  if (engine.kind === "podman") return names.name;
  const { subnet } = freeSubnet();
  await engine.api.createNetwork({
    Name: names.name,
    Driver: "bridge",
    Options: { "com.docker.network.bridge.name": names.bridge },
    IPAM: { Config: [{ Subnet: subnet }] },
  });
  return names.name;
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
