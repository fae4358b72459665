// What the docker driver's commands must do against a real engine, shared by the Docker and the
// Podman test files: containers (create with ports, env, volumes, limits; start, stop, restart,
// remove), logs (tail, timestamps, stderr, follow), images (build, list) and bad input.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandSchema } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_LABEL } from "../../apps/agent/src/drivers/docker/container-spec.js";
import { type ContainerEngine, type EngineKind, startEngine } from "../support/container-engines.js";
import { freePort } from "../support/postgres.js";
import { waitFor } from "../support/wait-for.js";
import { appContext, commandHarness, tarContext } from "./docker-commands-harness.js";

const unique = () => randomBytes(4).toString("hex");

/** The body of http://127.0.0.1:port/ once something answers there. */
export async function fetchApp(port: number, timeoutMs = 15_000): Promise<string> {
  let body = "";
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      body = res?.ok ? await res.text() : "";
      return res?.ok === true;
    },
    timeoutMs,
    () => `nothing answered on 127.0.0.1:${port}`,
  );
  return body;
}

export function describeDockerCommands(kind: EngineKind): void {
  describe(`docker driver commands against ${kind}`, () => {
    let engine: ContainerEngine;
    let h: ReturnType<typeof commandHarness>;

    beforeAll(async () => {
      engine = await startEngine(kind);
      h = commandHarness(engine.socketPath);
    });
    afterAll(async () => {
      await engine?.stop();
    });

    /** Creates and starts a container of the busybox image running `command`; returns its id. */
    async function run(command: string[], extra: Record<string, unknown> = {}): Promise<string> {
      const created = await h.run("container.create", { image: engine.image, command, ...extra });
      expect(created.error).toBeUndefined();
      return String(created.result?.workloadId);
    }
    const inspect = (id: string) => engine.api.getContainer(id).inspect();

    it("creates a container with a port on 127.0.0.1, env, volumes, limits and labels", async () => {
      const www = mkdtempSync(join(tmpdir(), "flt-www-"));
      writeFileSync(join(www, "index.html"), "served from a bind mount\n");
      const [port, volume, name] = [await freePort(), `vol-${unique()}`, `web-${unique()}`];
      const created = await h.run("container.create", {
        image: engine.image,
        name,
        ports: [{ hostPort: port, containerPort: 80 }],
        env: { GREETING: "hello volume" },
        volumes: [
          { source: www, target: "/www", readOnly: true },
          { source: volume, target: "/data" },
        ],
        command: ["sh", "-c", 'echo "$GREETING" > /data/greeting && exec httpd -f -p 80 -h /www'],
        restartPolicy: { name: "on-failure", maxRetries: 3 },
        cpus: 0.5,
        memoryBytes: 64 << 20,
        labels: { app: "web" },
      });
      expect(created).toMatchObject({ ok: true, progress: ["creating", "starting"] });
      expect(created.result).toMatchObject({
        workloadId: expect.stringMatching(/^[0-9a-f]{64}$/),
        name,
        started: true,
      });
      const id = String(created.result?.workloadId);

      expect(await fetchApp(port)).toBe("served from a bind mount\n");
      const info = await inspect(id);
      expect(info.HostConfig.PortBindings).toEqual({ "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] });
      expect(info.HostConfig).toMatchObject({
        NanoCpus: 500_000_000,
        Memory: 64 << 20,
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
      });
      expect(info.Config.Env).toContain("GREETING=hello volume");
      expect(info.Config.Labels).toMatchObject({ app: "web", [COMMAND_LABEL]: expect.any(String) });
      const mounts = info.Mounts.map((m) => ({ type: m.Type, name: m.Name, source: m.Source, rw: m.RW }));
      expect(mounts).toContainEqual({ type: "bind", name: undefined, source: www, rw: false });
      expect(mounts.find((m) => m.type === "volume")?.name).toBe(volume);

      // The named volume holds what the first container wrote: a second one reads it back.
      const reader = await run(["cat", "/data/greeting"], { volumes: [{ source: volume, target: "/data" }] });
      await waitFor(async () => !(await inspect(reader)).State.Running, 10_000);
      const logs = await h.run("container.logs", { workloadId: reader });
      expect(logs.output).toEqual([{ stream: "stdout", line: "hello volume" }]);
      rmSync(www, { recursive: true, force: true });
    });

    it("shows logs with tail, timestamps and stderr, and follows them live until cancelled", async () => {
      const id = await run([
        "sh",
        "-c",
        "for i in 1 2 3; do echo line $i; done; echo oops >&2; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.3; done",
      ]);
      const all = async () => (await h.run("container.logs", { workloadId: id })).output;
      // By tick 4 the stderr line is in the log for sure: engines read the two pipes separately.
      await waitFor(async () => (await all()).some((o) => o.line === "tick 4"), 15_000);
      const everything = await all();
      // Each stream in order; how the engine interleaves two pipes written at once is its own.
      const stdout = everything.filter((o) => o.stream === "stdout").map((o) => o.line);
      expect(stdout.slice(0, 3)).toEqual(["line 1", "line 2", "line 3"]);
      expect(everything.filter((o) => o.stream === "stderr")).toEqual([{ stream: "stderr", line: "oops" }]);

      const tail = await h.run("container.logs", { workloadId: id, tail: 2, timestamps: true });
      expect(tail.result).toEqual({ lines: 2 });
      for (const o of tail.output) expect(o.line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z tick \d+$/);
      const [a, b] = tail.output.map((o) => Number(/tick (\d+)$/.exec(o.line)?.[1]));
      expect(b).toBe((a ?? 0) + 1);

      // `since`: nothing is newer than an hour from now; everything is newer than an hour ago.
      const future = await h.run("container.logs", { workloadId: id, since: Date.now() + 3_600_000 });
      expect(future.result).toEqual({ lines: 0 });
      const past = await h.run("container.logs", { workloadId: id, since: Date.now() - 3_600_000 });
      expect(past.output.slice(0, 3).map((o) => o.line)).toEqual(everything.slice(0, 3).map((o) => o.line));

      const follow = h.start("container.logs", { workloadId: id, follow: true, tail: 0 });
      const ticks = () => follow.output.map((o) => Number(/^tick (\d+)$/.exec(o.line)?.[1] ?? 0));
      await waitFor(() => ticks().length >= 1, 5_000);
      const first = ticks()[0] ?? 0;
      // Live: later lines keep arriving while the command runs.
      await waitFor(() => Math.max(...ticks()) >= first + 3, 5_000);
      const cancelledAt = Date.now();
      follow.cancel();
      const done = await follow.done;
      expect(Date.now() - cancelledAt).toBeLessThan(2_000);
      expect(done).toMatchObject({ ok: true, result: { lines: follow.output.length } });
      const seen = follow.output.length;
      await new Promise((r) => setTimeout(r, 800));
      expect(follow.output.length).toBe(seen);
      await engine.api.getContainer(id).remove({ force: true });
    });

    it("ends a followed log when the container stops", async () => {
      const id = await run(["sh", "-c", "echo started; sleep 600"]);
      const follow = h.start("container.logs", { workloadId: id, follow: true });
      await waitFor(() => follow.output.some((o) => o.line === "started"), 10_000);
      await h.run("container.stop", { workloadId: id, timeoutSeconds: 1 });
      expect(await follow.done).toMatchObject({ ok: true, result: { lines: 1 } });
    });

    it("stops, starts, restarts and removes containers", async () => {
      const id = await run(["sleep", "600"]);
      expect(await h.run("container.stop", { workloadId: id })).toMatchObject({ ok: true, result: { workloadId: id } });
      expect((await inspect(id)).State).toMatchObject({ Running: false, ExitCode: 143 });
      // Stopping a stopped container is nothing to do, not an error.
      expect((await h.run("container.stop", { workloadId: id })).ok).toBe(true);

      expect((await h.run("container.start", { workloadId: id })).ok).toBe(true);
      const started = await inspect(id);
      expect(started.State.Running).toBe(true);
      expect((await h.run("container.restart", { workloadId: id, timeoutSeconds: 1 })).ok).toBe(true);
      const restarted = await inspect(id);
      expect(restarted.State.Running).toBe(true);
      expect(Date.parse(restarted.State.StartedAt)).toBeGreaterThan(Date.parse(started.State.StartedAt));

      expect((await h.run("container.stop", { workloadId: id, force: true })).ok).toBe(true);
      expect((await inspect(id)).State).toMatchObject({ Running: false, ExitCode: 137 });
      expect((await h.run("container.remove", { workloadId: id })).ok).toBe(true);
      await expect(inspect(id)).rejects.toMatchObject({ statusCode: 404 });

      const gone = await h.run("container.start", { workloadId: id });
      expect(gone.error).toMatchObject({ code: "not_found", message: expect.stringMatching(/no such container/i) });
    });

    it("builds an image from a tar context, lists it, and runs it", async () => {
      const tag = `flotilla-test/app-${unique()}:v1`;
      const built = await h.run("image.build", {
        tag,
        context: h.addBlob(appContext(engine.image, "hello from a build")),
      });
      expect(built.error).toBeUndefined();
      expect(built.result).toEqual({ imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), tag });
      // Docker says "Step 2/3 : COPY", Podman "STEP 2/3: COPY".
      expect(built.output.map((o) => o.line)).toContainEqual(expect.stringMatching(/^step 2\/3 ?: COPY index\.html/i));

      const list = await h.run("image.list", {});
      const images = (list.result?.images ?? []) as Array<{ id: string; tags: string[]; sizeBytes: number }>;
      // Podman names an image without a registry docker.io/<name>.
      const image = images.find((i) => i.tags.some((t) => t === tag || t === `docker.io/${tag}`));
      expect(image).toMatchObject({ id: built.result?.imageId, sizeBytes: expect.any(Number) });
      expect(image?.sizeBytes).toBeGreaterThan(100_000);

      const port = await freePort();
      const created = await h.run("container.create", { image: tag, ports: [{ hostPort: port, containerPort: 80 }] });
      expect(created.error).toBeUndefined();
      expect(await fetchApp(port)).toBe("hello from a build\n");
      await h.run("container.remove", { workloadId: String(created.result?.workloadId), force: true });
    });

    it("fails a broken build with the engine's message, and cancels a long one", async () => {
      const broken = tarContext({ Dockerfile: `FROM ${engine.image}\nRUN echo failing; exit 3\n` });
      const failed = await h.run("image.build", {
        tag: `flotilla-test/broken-${unique()}:v1`,
        context: h.addBlob(broken),
      });
      expect(failed.error).toMatchObject({
        code: "command_failed",
        message: expect.stringMatching(/returned a non-zero code: 3|exit status 3/),
      });
      expect(failed.output.map((o) => o.line)).toContain("failing");

      const slow = tarContext({ Dockerfile: `FROM ${engine.image}\nRUN echo waiting && sleep 60\n` });
      const tag = `flotilla-test/slow-${unique()}:v1`;
      const build = h.start("image.build", { tag, context: h.addBlob(slow) });
      await waitFor(() => build.output.some((o) => o.line === "waiting"), 20_000);
      const cancelledAt = Date.now();
      build.cancel();
      await build.done;
      expect(Date.now() - cancelledAt).toBeLessThan(2_000);
      await expect(engine.api.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    it("refuses invalid image references before anything runs", () => {
      for (const image of ["Upper/Case", "bad image", "app:", "-app", "app:tag:again", ""]) {
        expect(commandSchema.safeParse({ name: "container.create", payload: { image } }).success, image).toBe(false);
        expect(commandSchema.safeParse({ name: "image.pull", payload: { reference: image } }).success, image).toBe(
          false,
        );
      }
      expect(() => h.start("container.create", { image: "NOT valid" })).toThrow(/valid image reference/);
    });

    it("reports a missing image, a taken port and a running container's removal in clear words", async () => {
      const missing = await h.run("container.create", { image: "flotilla-test/never-built:v9" });
      expect(missing.error).toEqual({
        code: "not_found",
        message: "image flotilla-test/never-built:v9 not found on this host; pull or build it first",
      });

      const port = await freePort();
      const holder = await run(["httpd", "-f", "-p", "80"], { ports: [{ hostPort: port, containerPort: 80 }] });
      const taken = await h.run("container.create", {
        image: engine.image,
        command: ["httpd", "-f", "-p", "80"],
        ports: [{ hostPort: port, containerPort: 80 }],
      });
      // The engine's own words: Docker's proxy, or Podman's port forwarder.
      const expected =
        kind === "docker"
          ? `Bind for 127.0.0.1:${port} failed: port is already allocated`
          : `listen tcp4 127.0.0.1:${port}: bind: address already in use`;
      expect(taken.error?.code).toBe("command_failed");
      expect(taken.error?.message).toContain(expected);
      expect(taken.error?.message).toMatch(/was created but did not start\)$/);

      const running = await h.run("container.remove", { workloadId: holder });
      expect(running.error?.code).toBe("command_failed");
      expect(running.error?.message).toMatch(
        kind === "docker"
          ? /^You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove$/
          : /^cannot remove container [0-9a-f]{64} as it is running/,
      );
      expect((await inspect(holder)).State.Running).toBe(true);
      expect((await h.run("container.remove", { workloadId: holder, force: true })).ok).toBe(true);
      await expect(inspect(holder)).rejects.toMatchObject({ statusCode: 404 });
    });
  });
}
