// What every browser test starts with: the fleet global-setup made, and a signed-in page.
import { expect, type Page } from "@playwright/test";

/** A value global-setup.ts put in the environment. */
export function e2eEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: global-setup did not run`);
  return value;
}

export async function signIn(page: Page): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(e2eEnv("FLOTILLA_E2E_EMAIL"));
  await page.getByLabel("Password").fill(e2eEnv("FLOTILLA_E2E_PASSWORD"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}
