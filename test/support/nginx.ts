/**
 * nginx (Debian package `nginx`) as the load balancer in front of several server nodes, run
 * as a plain child process with its config, pid, logs and temp files in a throw-away directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "./wait-for.js";

export const NGINX_BIN = "/usr/sbin/nginx";

export interface Nginx {
  url: string;
  errors(): string;
  stop(): Promise<void>;
}

/**
 * least_conn over the nodes, with WebSocket upgrades passed through (agents' /agent and
 * browsers' /socket.io). A node that refuses connections is skipped for `failTimeoutS`.
 */
export function nginxConfig(dir: string, port: number, upstreamPorts: readonly number[], failTimeoutS = 5): string {
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=${failTimeoutS}s;`);
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream flotilla {
    least_conn;
${servers.join("\n")}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://flotilla;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_connect_timeout 2s;
      proxy_read_timeout 1h;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`;
}

export async function startNginx(port: number, upstreamPorts: readonly number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), "flotilla-nginx-"));
  for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, d));
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, nginxConfig(dir, port, upstreamPorts));
  const child: ChildProcess = spawn(NGINX_BIN, ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((done) => child.on("exit", () => done()));
  const errors = () => {
    try {
      return `${out}${readFileSync(join(dir, "error.log"), "utf8")}`;
    } catch {
      return out;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true, 15_000, errors);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    url,
    errors,
    async stop() {
      if (child.exitCode === null) child.kill("SIGQUIT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
