// The first thing an operator does: sign in, find this machine, watch its CPU move live.
import { expect, test } from "@playwright/test";
import { e2eEnv as env, signIn } from "./session.js";

test("a wrong password is refused with a clear message", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(env("FLOTILLA_E2E_EMAIL"));
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /invalid|incorrect|wrong/i })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test("the local host's CPU figure changes without a reload", async ({ page }) => {
  const hostId = env("FLOTILLA_E2E_HOST_ID");
  await signIn(page);

  const cpuCell = page.getByTestId(`host-cpu-${hostId}`);
  await expect(cpuCell).toHaveText(/\d+(\.\d)?%/);

  // Mark the document: a reload would lose the mark.
  await page.evaluate(() => {
    (window as unknown as { __noReload: boolean }).__noReload = true;
  });
  const first = await cpuCell.textContent();
  await expect(cpuCell).not.toHaveText(first ?? "", { timeout: 30_000 });
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

  await cpuCell.locator("xpath=ancestor::tr").getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${hostId}`));
  const now = page.getByTestId("host-cpu-now");
  await expect(now).toHaveText(/\d+(\.\d)?%/);
  const before = await now.textContent();
  await expect(now).not.toHaveText(before ?? "", { timeout: 30_000 });
});
