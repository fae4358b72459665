// image.pull against a real engine and a real registry (Debian's docker-registry on 127.0.0.1):
// an open one, one behind basic auth, and one that never answers (to cancel a pull). Shared by
// the Docker and the Podman test files.
import { createServer, type Server, type Socket } from "node:net";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContainerEngine, type EngineKind, startEngine } from "../support/container-engines.js";
import { freePort } from "../support/postgres.js";
import { REGISTRY_USER, type Registry, startRegistry } from "../support/registry.js";
import { commandHarness } from "./docker-commands-harness.js";

/** A TCP server on 127.0.0.1 that accepts connections and never says a word. */
async function startSilentServer(): Promise<{ address: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Pushes `image` to `reference` through the engine API, as `docker tag` + `docker push` would. */
export async function pushImage(
  api: Dockerode,
  image: string,
  reference: string,
  auth: Record<string, string> = {},
): Promise<void> {
  const colon = reference.lastIndexOf(":");
  const [repo, tag] = [reference.slice(0, colon), reference.slice(colon + 1)];
  await api.getImage(image).tag({ repo, tag });
  // The push endpoint wants an X-Registry-Auth header even when the registry needs none.
  const stream = await api.getImage(reference).push({ authconfig: auth } as Dockerode.ImagePushOptions);
  await new Promise<void>((resolve, reject) =>
    api.modem.followProgress(stream, (error: unknown, messages: Array<{ error?: string }>) => {
      const failure = messages?.find((m) => m.error)?.error;
      if (error || failure) reject(error ?? new Error(failure));
      else resolve();
    }),
  );
  await api.getImage(reference).remove();
}

export function describeImagePull(kind: EngineKind): void {
  describe(`image.pull from a local registry into ${kind}`, () => {
    let open: Registry;
    let guarded: Registry;
    let silent: Awaited<ReturnType<typeof startSilentServer>>;
    let engine: ContainerEngine;
    let h: ReturnType<typeof commandHarness>;

    beforeAll(async () => {
      [open, guarded, silent] = await Promise.all([
        startRegistry(),
        startRegistry({ auth: true }),
        startSilentServer(),
      ]);
      // Podman reads which registries may be plain HTTP once, at start (dockerd allows 127.0.0.0/8 itself).
      engine = await startEngine(kind, { insecureRegistries: [open.address, guarded.address, silent.address] });
      h = commandHarness(engine.socketPath);
    });
    afterAll(async () => {
      await engine?.stop();
      await Promise.all([open?.stop(), guarded?.stop(), silent?.stop()]);
    });

    it("pulls an image pushed to the registry, with streamed progress and its digest", async () => {
      const reference = `${open.address}/flotilla-test/pulled:v1`;
      await pushImage(engine.api, engine.image, reference);
      await expect(engine.api.getImage(reference).inspect()).rejects.toMatchObject({ statusCode: 404 });

      const pulled = await h.run("image.pull", { reference });
      expect(pulled.error, open.output()).toBeUndefined();
      expect(pulled.result).toEqual({ reference, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      expect(pulled.progress[0]).toBe(`pulling ${reference}`);
      expect(pulled.output.length).toBeGreaterThan(0);
      const list = await h.run("image.list", {});
      const tags = ((list.result?.images ?? []) as Array<{ tags: string[] }>).flatMap((i) => i.tags);
      expect(tags).toContain(reference);

      // The pulled image runs.
      const created = await h.run("container.create", { image: reference, command: ["true"] });
      expect(created.error).toBeUndefined();
    });

    it("fails a pull of a name the registry does not have with the registry's words", async () => {
      const reference = `${open.address}/flotilla-test/never-pushed:v1`;
      const missing = await h.run("image.pull", { reference });
      expect(missing.ok).toBe(false);
      expect(missing.error?.message).toMatch(/manifest unknown/);
    });

    it("sends the registry credentials from the payload", async () => {
      const reference = `${guarded.address}/flotilla-test/private:v1`;
      const auth = { ...REGISTRY_USER, serverAddress: guarded.address };
      await pushImage(engine.api, engine.image, reference, {
        username: auth.username,
        password: auth.password,
        serveraddress: auth.serverAddress,
      });
      const refused = await h.run("image.pull", { reference });
      expect(refused.ok).toBe(false);
      expect(refused.error?.message).toMatch(/unauthorized|authentication required|no basic auth credentials/i);

      const pulled = await h.run("image.pull", {
        reference,
        auth: { username: auth.username, password: auth.password },
      });
      expect(pulled.error).toBeUndefined();
      expect(pulled.result).toMatchObject({ reference });
    });

    it("stops a pull that hangs when cancelled", async () => {
      const pull = h.start("image.pull", { reference: `${silent.address}/flotilla-test/hangs:v1` });
      await new Promise((r) => setTimeout(r, 1_000));
      const cancelledAt = Date.now();
      pull.cancel();
      const done = await pull.done;
      expect(Date.now() - cancelledAt).toBeLessThan(2_000);
      expect(done.result).toEqual({ reference: `${silent.address}/flotilla-test/hangs:v1` });
    });
  });
}
