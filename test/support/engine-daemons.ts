/**
 * How the private test engines are launched: dockerd and Podman's API service, each with its own
 * files, socket and default network, so several run side by side on one machine without
 * touching the host's engines or each other.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface DaemonOptions {
  /** Registries (host:port) Podman may reach over plain HTTP; dockerd allows 127.0.0.0/8 by itself. */
  insecureRegistries?: readonly string[];
}

/** A /24 in 10.x nobody routes yet, so parallel engines never share a subnet. */
export function freeSubnet(): { subnet: string; gateway: string } {
  const routes = readFileSync("/proc/net/route", "utf8");
  for (let tries = 0; tries < 100; tries++) {
    const [a, b] = [100 + ((randomBytes(1)[0] ?? 0) % 150), randomBytes(1)[0] ?? 0];
    // /proc/net/route holds destinations as little-endian hex: 10.a.b.0 -> "00" b a "0A".
    const hex = [0, b, a, 10].map((n) => n.toString(16).padStart(2, "0").toUpperCase()).join("");
    if (!routes.includes(`\t${hex}\t`)) return { subnet: `10.${a}.${b}.0/24`, gateway: `10.${a}.${b}.1` };
  }
  throw new Error("no free 10.x.y.0/24 subnet");
}

/** A name for a network of ours and for its bridge interface (interface names are at most 15 bytes). */
export function networkNames(): { name: string; bridge: string } {
  const suffix = randomBytes(4).toString("hex");
  return { name: `flt-test-${suffix}`, bridge: `flt${suffix}` };
}

/** A bridge interface of our own with a free subnet; `remove()` deletes it. */
export function createBridge(): { bridge: string; remove(): void } {
  const { bridge } = networkNames();
  const { subnet, gateway } = freeSubnet();
  execFileSync("ip", ["link", "add", "name", bridge, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", `${gateway}/${subnet.split("/")[1]}`, "dev", bridge]);
  execFileSync("ip", ["link", "set", bridge, "up"]);
  return {
    bridge,
    remove: () => {
      try {
        execFileSync("ip", ["link", "del", bridge], { stdio: "ignore" });
      } catch {
        // already gone
      }
    },
  };
}

/**
 * dockerd whose default bridge is `bridge` (see createBridge): containers created without a
 * network (as Flotilla's container.create does) can publish ports, and parallel dockerds never
 * fight over docker0. No iptables: ports are published by docker-proxy.
 */
export function spawnDockerd(dir: string, socketPath: string, bridge: string): ChildProcess {
  writeFileSync(join(dir, "daemon.json"), "{}\n"); // never the host's /etc/docker/daemon.json
  const args = [
    ...["--data-root", join(dir, "data"), "--exec-root", join(dir, "exec")],
    ...["-H", `unix://${socketPath}`, "--pidfile", join(dir, "dockerd.pid")],
    ...["--config-file", join(dir, "daemon.json"), "--bridge", bridge, "--iptables=false", "--ip-masq=false"],
    ...["--log-level", "warn"],
  ];
  return spawn("/usr/sbin/dockerd", args, { env: { ...process.env, PATH } });
}

/**
 * Podman's API service, whose default network is a bridge of its own (`names`). The network
 * file is written before the service starts: otherwise Podman makes its default network on
 * podman0 and 10.88.0.0/16, shared by every service on the machine.
 */
export function spawnPodman(
  dir: string,
  socketPath: string,
  names: { name: string; bridge: string },
  options: DaemonOptions,
): ChildProcess {
  writePodmanNetwork(join(dir, "networks"), names);
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
default_network = "${names.name}"
`,
  );
  writeFileSync(
    join(dir, "storage.conf"),
    `[storage]\ndriver = "overlay"\nrunroot = "${dir}/run"\ngraphroot = "${dir}/storage"\n`,
  );
  // Podman reads registries.conf once per process: insecure registries must be known at start.
  const registries = (options.insecureRegistries ?? [])
    .map((location) => `[[registry]]\nlocation = "${location}"\ninsecure = true\n`)
    .join("\n");
  writeFileSync(join(dir, "registries.conf"), `unqualified-search-registries = []\n${registries}`);
  const env = {
    ...process.env,
    PATH,
    CONTAINERS_CONF: join(dir, "containers.conf"),
    CONTAINERS_STORAGE_CONF: join(dir, "storage.conf"),
    CONTAINERS_REGISTRIES_CONF: join(dir, "registries.conf"),
  };
  return spawn("/usr/bin/podman", ["--log-level=warn", "system", "service", "--time=0", `unix://${socketPath}`], {
    env,
  });
}

/** A netavark network definition, as `podman network create` writes it (DNS off: aardvark-dns would be shared). */
function writePodmanNetwork(configDir: string, names: { name: string; bridge: string }): void {
  const file = join(configDir, `${names.name}.json`);
  if (existsSync(file)) return; // a restarted daemon keeps its network
  const { subnet, gateway } = freeSubnet();
  mkdirSync(configDir, { recursive: true });
  const network = {
    name: names.name,
    id: randomBytes(32).toString("hex"),
    driver: "bridge",
    network_interface: names.bridge,
    created: new Date().toISOString(),
    subnets: [{ subnet, gateway }],
    ipv6_enabled: false,
    internal: false,
    dns_enabled: false,
    ipam_options: { driver: "host-local" },
  };
  writeFileSync(file, `${JSON.stringify(network, null, 2)}\n`);
}
