// From a host to one of its workloads: the name in the host's table opens the workload's page,
// which shows its state and history, and its CPU figure moves live without a reload.
import { expect, test } from "@playwright/test";
import { e2eEnv as env, signIn } from "./session.js";

test("a running workload's page opens from its host and its CPU figure updates live", async ({ page }) => {
  const hostId = env("FLOTILLA_E2E_SIM_HOST_ID");
  await signIn(page);
  await page.goto(`/hosts/${hostId}`);

  const running = page
    .getByRole("table", { name: "Workloads" })
    .getByRole("row")
    .filter({ has: page.locator('[data-state="running"]') })
    .first();
  const link = running.getByRole("link").first();
  const name = (await link.textContent()) ?? "";
  expect(name).not.toBe("");
  await link.click();

  await expect(page).toHaveURL(/\/workloads\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByTestId("workload-state")).toHaveText(/running/i);
  await expect(page.getByTestId("workload-history")).toContainText(/first seen/i);

  const cpu = page.getByTestId("workload-cpu-now");
  await expect(cpu).toHaveText(/^\d+(\.\d+)? cores$/);
  // Mark the document: a reload would lose the mark.
  await page.evaluate(() => {
    (window as unknown as { __noReload: boolean }).__noReload = true;
  });
  const first = await cpu.textContent();
  await expect(cpu).not.toHaveText(first ?? "", { timeout: 30_000 });
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  // The breadcrumb leads back to the host.
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: /^sim-/ }).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${hostId}$`));
});
