import { describe, expect, it } from "vitest";
import { DEFAULT_SPOOL_MAX_BYTES, DEFAULT_STATE_DIR, parseConfig } from "./config.js";
import { AgentError } from "./errors.js";

const TOKEN = "tok_0123456789abcdef";

function configError(argv: string[], env: Record<string, string> = {}): string {
  try {
    parseConfig(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentError);
    return (error as Error).message;
  }
  throw new Error("expected a config error");
}

describe("parseConfig", () => {
  it("parses run with defaults", () => {
    expect(parseConfig(["run"], {})).toEqual({
      command: "run",
      stateDir: DEFAULT_STATE_DIR,
      logLevel: "info",
      intervalMs: 5000,
      spoolMaxBytes: DEFAULT_SPOOL_MAX_BYTES,
      drivers: "auto",
    });
  });

  it("takes values from the environment, flags winning", () => {
    const env = { FLOTILLA_INTERVAL_MS: "2000", FLOTILLA_STATE_DIR: "/env", FLOTILLA_LOG_LEVEL: "debug" };
    expect(parseConfig(["run", "--state-dir", "/flag"], env)).toMatchObject({
      stateDir: "/flag",
      intervalMs: 2000,
      logLevel: "debug",
    });
  });

  it("parses enroll and normalises the server URL", () => {
    expect(parseConfig(["enroll", "--server", "http://127.0.0.1:3000/", "--token", TOKEN], {})).toMatchObject({
      command: "enroll",
      server: "http://127.0.0.1:3000",
      token: TOKEN,
      force: false,
    });
  });

  it("parses sim", () => {
    const argv = ["sim", "--server", "http://h", "--count", "20", "--state-dir", "/s", "--token-file", "/t.json"];
    expect(parseConfig(argv, {})).toMatchObject({ command: "sim", count: 20, seed: 1, namePrefix: "sim" });
  });

  it("accepts a spool size with a suffix", () => {
    expect(parseConfig(["run", "--spool-max-bytes", "10M"], {})).toMatchObject({ spoolMaxBytes: 10 * 1024 * 1024 });
  });

  it("names the flag or variable of a bad value", () => {
    expect(configError(["run", "--interval-ms", "999"])).toBe('invalid --interval-ms "999": must be at least 1000');
    expect(configError(["run"], { FLOTILLA_INTERVAL_MS: "5s" })).toBe(
      'invalid FLOTILLA_INTERVAL_MS "5s": must be a whole number',
    );
    expect(configError(["run", "--log-level", "loud"])).toMatch(/^invalid --log-level "loud": must be one of fatal/);
    expect(configError(["enroll", "--server", "ftp://x", "--token", TOKEN])).toMatch(
      /--server "ftp:\/\/x": unsupported scheme/,
    );
    expect(configError(["run", "--spool-max-bytes", "12"])).toMatch(/--spool-max-bytes "12": must be at least 1M/);
  });

  it("names a missing required option", () => {
    expect(configError(["enroll", "--token", TOKEN])).toBe("--server (or FLOTILLA_SERVER) is required for enroll");
    expect(configError(["sim", "--server", "http://h", "--state-dir", "/s"])).toBe(
      "--count (or FLOTILLA_SIM_COUNT) is required for sim",
    );
  });

  it("rejects unknown commands and options", () => {
    expect(configError(["fly"])).toMatch(/unknown command "fly"/);
    expect(configError(["run", "--count", "3"])).toMatch(/Unknown option '--count'/);
  });

  it("gives help and version", () => {
    expect(parseConfig([], {})).toEqual({ command: "help" });
    expect(parseConfig(["--help"], {})).toEqual({ command: "help" });
    expect(parseConfig(["sim", "--help"], {})).toEqual({ command: "help", topic: "sim" });
    expect(parseConfig(["--version"], {})).toEqual({ command: "version" });
  });

  it("chooses workload drivers: auto by default, none, or a list", () => {
    expect(parseConfig(["run", "--drivers", "docker,qemu"], {})).toMatchObject({ drivers: ["docker", "qemu"] });
    expect(parseConfig(["run"], { FLOTILLA_DRIVERS: " Docker , docker " })).toMatchObject({ drivers: ["docker"] });
    expect(parseConfig(["run", "--drivers", "none"], {})).toMatchObject({ drivers: [] });
    expect(parseConfig(["enroll", "--server", "http://h", "--token", TOKEN, "--drivers", "auto"], {})).toMatchObject({
      drivers: "auto",
    });
    expect(configError(["run", "--drivers", "docker,lxc"])).toBe(
      'invalid --drivers "docker,lxc": unknown driver "lxc": use auto, none, or a list of docker, qemu, libvirt',
    );
    expect(configError(["run"], { FLOTILLA_DRIVERS: "," })).toMatch(/^invalid FLOTILLA_DRIVERS ",": no driver named/);
    expect(configError(["sim", "--drivers", "docker"])).toMatch(/Unknown option '--drivers'/);
  });

  it("finds the Docker socket in the flag, FLOTILLA_DOCKER_SOCKET, then a unix:// DOCKER_HOST", () => {
    const env = { FLOTILLA_DOCKER_SOCKET: "/env.sock", DOCKER_HOST: "unix:///docker-host.sock" };
    expect(parseConfig(["run", "--docker-socket", "unix:///flag.sock"], env)).toMatchObject({
      dockerSocket: "/flag.sock",
    });
    expect(parseConfig(["run"], env)).toMatchObject({ dockerSocket: "/env.sock" });
    expect(parseConfig(["run"], { DOCKER_HOST: "unix:///docker-host.sock" })).toMatchObject({
      dockerSocket: "/docker-host.sock",
    });
    // A TCP or SSH DOCKER_HOST is for the docker CLI; the agent then looks in the usual places.
    expect(parseConfig(["run"], { DOCKER_HOST: "tcp://10.0.0.1:2376" })).not.toHaveProperty("dockerSocket");
    expect(configError(["run", "--docker-socket", "tcp://h:2375"])).toBe(
      'invalid --docker-socket "tcp://h:2375": must be an absolute unix socket path or a unix:// URL',
    );
  });
});
