// Bundles the agent into one self-contained ES module, run by the host's Node (>= 20):
//   node build.mjs            -> dist/flotilla-agent.mjs
import { chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const outfile = join(root, "dist", "flotilla-agent.mjs");

/**
 * zod re-exports all of its ~50 message locales (~300 KB) as `z.locales`; the agent uses only the
 * English default, which zod imports directly. Replace the locale index with English alone.
 */
const englishOnlyZodLocales = {
  name: "english-only-zod-locales",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * dockerode pulls in three things the agent never uses, each unbundlable or heavy: ssh2 (Docker
 * over SSH; with native optional add-ons esbuild cannot bundle), and gRPC + protobufjs (BuildKit
 * sessions and BuildKit progress decoding, which also read .proto files next to their sources at
 * run time). The agent only talks to a unix socket, so each becomes a stub that fails loudly if
 * it is ever reached. image.build asks for the classic builder (`version: "1"`), which needs
 * none of them; revisit if the docker driver ever offers BuildKit builds.
 */
const UNUSED_DOCKERODE_DEPS = /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/;
const stubUnusedDockerodeDeps = {
  name: "stub-unused-dockerode-deps",
  setup(b) {
    b.onResolve({ filter: UNUSED_DOCKERODE_DEPS }, (args) => ({ path: args.path, namespace: "unused-stub" }));
    b.onLoad({ filter: /.*/, namespace: "unused-stub" }, (args) => ({
      loader: "js",
      // Any property can be read (docker-modem reads ssh2.Client at load); calling or
      // constructing anything throws.
      contents: `const fail = () => { throw new Error(${JSON.stringify(`${args.path} is not bundled into flotilla-agent`)}); };
const stub = new Proxy(function () {}, {
  get: (_, key) => (typeof key === "symbol" || key === "__esModule" ? undefined : stub),
  apply: fail,
  construct: fail,
});
module.exports = stub;`,
    }));
  },
};

/**
 * The Node flags the agent runs with, written into the bundle's #! line (the launcher: the systemd
 * unit and install-agent.sh start the file itself). Measured with test/bench/agent-resources.bench.ts
 * (50 containers, 1 s and 5 s; apps/agent/README.md has the figures):
 * - --max-opt=1: V8 stops at its baseline compiler (Sparkplug) and never runs TurboFan. The
 *   agent's JavaScript is a little glue around syscalls, and TurboFan compiling it on and off as
 *   functions turned hot was 20-33 % of the agent's CPU (perf) and several MB of compiler memory;
 *   without it CPU per sample fell by a quarter at 5 s and RSS by ~10 MB.
 * - --max-semi-space-size=1: caps V8's young generation at 1 MiB per semi-space (it otherwise
 *   grows towards 16 MiB under the per-tick garbage and stays resident); its scavenges stay cheap
 *   because little of a tick's garbage survives.
 */
const NODE_FLAGS = ["--max-semi-space-size=1", "--max-opt=1"];

const result = await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Whitespace and syntax only: identifiers stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  metafile: true,
  // ws tries these optional native add-ons and falls back to JS when they are missing.
  external: ["bufferutil", "utf-8-validate"],
  banner: {
    // Bundled CommonJS (pino, ws, dockerode) calls require() for Node built-ins; give it one.
    js: [
      `#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`,
      'import { createRequire as __flotillaCreateRequire } from "node:module";',
      "const require = __flotillaCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  plugins: [englishOnlyZodLocales, stubUnusedDockerodeDeps],
  logLevel: "warning",
});

await chmod(outfile, 0o755);
const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
console.log(`built ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
