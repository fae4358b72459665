// The classic Docker workflow from the browser, against the real dockerd of the local host
// (global-setup.ts): build an image from a Dockerfile and an app file, see it in the host's
// images, run it with `-p 4000:80` on 127.0.0.1, get the app's answer on that port, follow its
// logs live, stop it, remove it.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import Dockerode from "dockerode";
import { e2eEnv as env, signIn } from "./session.js";

/** The port the workflow publishes on 127.0.0.1: 4000 as in `docker run -p 4000:80`, unless taken. */
async function publishPort(): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const bound = (server.address() as { port: number }).port;
        server.close(() => resolve(bound));
      });
    });
  return tryListen(4000).catch(() => tryListen(0));
}

/** The body of http://127.0.0.1:port/path, or "" while nothing answers. */
async function fetchText(port: number, path = "/"): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return res?.ok ? res.text() : "";
}

test("build an image, run it with a published port, follow its logs, stop and remove it", async ({ page }) => {
  test.setTimeout(180_000);
  const hostId = env("FLOTILLA_E2E_HOST_ID");
  const docker = new Dockerode({ socketPath: env("FLOTILLA_E2E_DOCKER_SOCKET") });
  const suffix = randomBytes(3).toString("hex");
  const tag = `flotilla-e2e/hello-${suffix}:v1`;
  const name = `hello-${suffix}`;
  const greeting = `Hello from Flotilla ${suffix}`;
  await signIn(page);

  // 1. Build from a Dockerfile and an app file, on the host's Images tab.
  await page.goto(`/hosts/${hostId}?tab=images`);
  await page.getByLabel("Tag").fill(tag);
  await page
    .getByLabel("Dockerfile")
    .fill(
      `FROM ${env("FLOTILLA_E2E_BASE_IMAGE")}\nCOPY index.html /www/index.html\nEXPOSE 80\nCMD ["httpd", "-f", "-vv", "-p", "80", "-h", "/www"]\n`,
    );
  await page.getByLabel("Add files").setInputFiles({
    name: "index.html",
    mimeType: "text/html",
    buffer: Buffer.from(`${greeting}\n`),
  });
  await expect(page.getByRole("list", { name: "Files in the build context" })).toContainText("index.html");
  await page.getByRole("button", { name: "Build image" }).click();
  // The engine's build output streams in while it runs.
  await expect(page.getByTestId("build-output")).toContainText("COPY index.html", { timeout: 60_000 });
  await expect(page.getByTestId("build-status")).toHaveAttribute("data-state", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("build-output")).toContainText(`Successfully tagged ${tag}`);

  // 2. The new image is in the host's list.
  await expect(page.getByRole("table", { name: "Images" })).toContainText(tag, { timeout: 30_000 });

  // 3. Run it like `docker run -d --name NAME -p 127.0.0.1:4000:80 TAG`, from the Deploy page.
  const port = await publishPort();
  if (port !== 4000) {
    test.info().annotations.push({ type: "port", description: `4000 is taken here: published on ${port} instead` });
  }
  await page.goto(`/deploy?host=${hostId}`);
  await page.getByLabel("Image", { exact: true }).fill(tag);
  await page.getByLabel("Name (optional)").fill(name);
  await expect(page.getByLabel("Bind address of port 1")).toHaveValue("127.0.0.1");
  await page.getByLabel("Host port of port 1").fill(String(port));
  await page.getByLabel("Container port of port 1").fill("80");
  await expect(page.getByTestId("docker-run-preview")).toContainText(`-p 127.0.0.1:${port}:80`);
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  await expect(page.getByTestId("deploy-status")).toHaveAttribute("data-state", "succeeded", { timeout: 60_000 });

  // 4. The app answers on the published port, on 127.0.0.1 only.
  await expect.poll(() => fetchText(port), { timeout: 15_000 }).toBe(`${greeting}\n`);
  const [created] = await docker.listContainers({ filters: { name: [name] } });
  expect(created?.Ports).toContainEqual(
    expect.objectContaining({ IP: "127.0.0.1", PublicPort: port, PrivatePort: 80 }),
  );

  // 5. Its page follows the logs live: a request made now shows up without a reload.
  await page.getByTestId("deployed-workload-link").click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByTestId("workload-state")).toHaveText(/running/i);
  await expect(page.getByTestId("logs-state")).toContainText("Following live", { timeout: 30_000 });
  const marker = `live-${randomBytes(4).toString("hex")}`;
  await fetchText(port, `/${marker}`); // busybox httpd -vv logs every URL asked for
  await expect(page.getByRole("log", { name: `Logs of ${name}` })).toContainText(marker, { timeout: 15_000 });

  // 6. Stop: the state follows and the followed log ends with the container.
  await page.getByRole("button", { name: `Stop ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Stopped ${name}` })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("workload-state")).toHaveText(/exited|stopped/i);
  await expect(page.getByTestId("logs-state")).toContainText("Stream ended");
  expect(await fetchText(port)).toBe("");

  // 7. Remove, confirmed in a dialog that names it: gone from the engine.
  await page.getByRole("button", { name: `Remove ${name}` }).click();
  await page
    .getByRole("dialog", { name: `Remove container ${name}?` })
    .getByRole("button", { name: `Remove ${name}` })
    .click();
  await expect(page.getByRole("status").filter({ hasText: `Removed ${name}` })).toBeVisible({ timeout: 30_000 });
  await expect.poll(async () => (await docker.listContainers({ all: true, filters: { name: [name] } })).length).toBe(0);
});
