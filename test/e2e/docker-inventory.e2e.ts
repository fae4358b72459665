// Real containers in the dashboard: a container started on the host's dockerd outside Flotilla
// (through the engine's API, as `docker run` would) shows up in the host's Workloads table as
// running, follows when it is stopped, and goes when it is removed, without a reload.
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import Dockerode from "dockerode";
import { e2eEnv as env, signIn } from "./session.js";

/** The agent's collection interval (global-setup.ts), plus the way to the browser. */
const WITHIN_ONE_INTERVAL = { timeout: 1_000 + 2_000 };

test("a container run and stopped outside Flotilla appears and changes on the host page", async ({ page }) => {
  const hostId = env("FLOTILLA_E2E_HOST_ID");
  const docker = new Dockerode({ socketPath: env("FLOTILLA_E2E_DOCKER_SOCKET") });
  await signIn(page);
  await page.goto(`/hosts/${hostId}`);
  const table = page.getByRole("table", { name: "Workloads" });
  await expect(table).toBeVisible();
  await page.evaluate(() => {
    (window as unknown as { __noReload: boolean }).__noReload = true;
  });

  const name = `outside-${randomBytes(3).toString("hex")}`;
  const container = await docker.createContainer({
    name,
    Image: env("FLOTILLA_E2E_BASE_IMAGE"),
    Cmd: ["sleep", "600"],
    Labels: { started: "outside flotilla" },
    HostConfig: { Init: true },
  });
  try {
    await container.start();
    const row = table.locator(`[data-workload-id="${container.id}"]`);
    await expect(row).toBeVisible(WITHIN_ONE_INTERVAL);
    await expect(row.getByRole("link", { name })).toBeVisible();
    await expect(row.locator("[data-state]").first()).toHaveAttribute("data-state", "running", WITHIN_ONE_INTERVAL);

    await container.stop({ t: 2 });
    await expect(row.locator("[data-state]").first()).toHaveAttribute("data-state", "exited", WITHIN_ONE_INTERVAL);

    await container.remove();
    await expect(row).toHaveCount(0, WITHIN_ONE_INTERVAL);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
});
