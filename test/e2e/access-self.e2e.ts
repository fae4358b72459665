// What a member does for themselves in Settings, and what an invitation link does once revoked:
// sessions in two browsers, an API token that works as Bearer until revoked, a password change
// that ends the other browser's session, and signing out everywhere.
import { expect, type Page, test } from "@playwright/test";
import { freshBrowser, INVITEE_PASSWORD, invite, join } from "./access-support.js";
import { e2eEnv as env, signIn } from "./session.js";

const run = Date.now().toString(36);

/** The team the simulated host is in (the seeded team), read from the Teams page. */
async function simHostTeam(page: Page): Promise<string> {
  await page.goto("/settings/teams");
  const card = page
    .getByTestId("team-card")
    .filter({ has: page.locator(`a[href="/hosts/${env("FLOTILLA_E2E_SIM_HOST_ID")}"]`) });
  await expect(card).toHaveCount(1);
  return (await card.getAttribute("data-team")) ?? "";
}

async function signInAs(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

test("a revoked invitation link says so and lets nobody join", async ({ page, browser }) => {
  await signIn(page);
  const team = await simHostTeam(page);
  const email = `revoked-${run}@example.test`;
  const link = await invite(page, email, team, "viewer");
  const row = page.getByTestId("invitation-row").filter({ hasText: email });
  await row.getByRole("button", { name: `Revoke the invitation of ${email}` }).click();
  await expect(row).toContainText("revoked");

  const { context, page: invitee } = await freshBrowser(browser);
  try {
    await invitee.goto(link);
    await expect(invitee.getByRole("alert").filter({ hasText: "This invitation is" })).toContainText("revoked");
    await expect(invitee.getByRole("button", { name: /join/i })).toHaveCount(0);
  } finally {
    await context.close();
  }
});

test("a member manages their sessions, API tokens and password", async ({ page, browser, request }) => {
  test.setTimeout(120_000);
  await signIn(page);
  const team = await simHostTeam(page);
  const email = `self-${run}@example.test`;
  const link = await invite(page, email, team, "operator");
  const first = await join(browser, link, { name: `Sam Self ${run}`, team, role: "operator" });
  const second = await freshBrowser(browser);
  try {
    // Two browsers, two sessions; the list marks the one in use.
    await signInAs(second.page, email, INVITEE_PASSWORD);
    await second.page.goto("/settings/sessions");
    await expect(second.page.getByTestId("session-row")).toHaveCount(2);
    await expect(second.page.getByTestId("session-row").filter({ hasText: "this browser" })).toHaveCount(1);

    // An API token: shown once, accepted as Bearer, its use recorded, refused once revoked.
    await second.page.goto("/settings/tokens");
    await second.page.getByLabel("Name", { exact: true }).fill(`ci-${run}`);
    await second.page.getByRole("button", { name: "Create token" }).click();
    const token = ((await second.page.getByTestId("api-token-secret").textContent()) ?? "").trim();
    expect(token).toMatch(/^flt_/);
    const bearer = { authorization: `Bearer ${token}` };
    const hosts = await request.get("/api/v1/hosts", { headers: bearer });
    expect(hosts.status()).toBe(200);
    const ids = ((await hosts.json()) as { data: { id: string }[] }).data.map((h) => h.id);
    expect(ids).toContain(env("FLOTILLA_E2E_SIM_HOST_ID"));
    await second.page.reload();
    const tokenRow = second.page.locator(`[data-testid="token-row"][data-name="ci-${run}"]`);
    await expect(tokenRow).toContainText("active");
    await expect(tokenRow).not.toContainText("never");
    await tokenRow.getByRole("button", { name: `Revoke token ci-${run}` }).click();
    await expect(tokenRow).toContainText("revoked");
    expect((await request.get("/api/v1/hosts", { headers: bearer })).status()).toBe(401);

    // A new password ends the other browser's session, not this one.
    const newPassword = `${INVITEE_PASSWORD} renewed`;
    await second.page.goto("/settings/password");
    await second.page.getByLabel("Current password").fill(INVITEE_PASSWORD);
    await second.page.getByLabel("New password", { exact: true }).fill(newPassword);
    await second.page.getByLabel("New password again").fill(newPassword);
    await second.page.getByRole("button", { name: "Change password" }).click();
    await expect(second.page.getByRole("status").filter({ hasText: "Password changed" })).toBeVisible();
    await first.page.goto("/settings/sessions");
    await expect(first.page).toHaveURL(/\/login/);
    await second.page.goto("/settings/sessions");
    await expect(second.page.getByTestId("session-row")).toHaveCount(1);

    // Sign out everywhere: back at the sign-in page, and the new password lets them in again.
    await second.page.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(second.page).toHaveURL(/\/login/);
    await signInAs(first.page, email, newPassword);
  } finally {
    await first.context.close();
    await second.context.close();
  }
});

test("someone with an account joins another team from a link, signed in or with their password", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  await signIn(page);
  const home = await simHostTeam(page);
  const email = `again-${run}@example.test`;
  const name = `Ada Again ${run}`;
  const member = await join(browser, await invite(page, email, home, "viewer"), { name, team: home, role: "viewer" });
  const teams = [`Ops ${run}`, `Lab ${run}`];
  const other = await freshBrowser(browser);
  try {
    await page.goto("/settings/teams");
    for (const team of teams) {
      await page.getByLabel("New team name").fill(team);
      await page.getByRole("button", { name: "Create team" }).click();
      await expect(page.locator(`[data-testid="team-card"][data-team="${team}"]`)).toBeVisible();
    }

    // Signed in as the invitee: nothing to prove, one button.
    const opsLink = await invite(page, email, teams[0] as string, "operator");
    await member.page.goto(opsLink);
    await expect(member.page.getByTestId("invite-team")).toHaveText(teams[0] as string);
    await expect(member.page.getByLabel("Your password")).toHaveCount(0);
    await member.page.getByRole("button", { name: "Join", exact: true }).click();
    await expect(member.page).toHaveURL(/\/$/);
    await member.page.goto("/settings/teams");
    await expect(member.page.locator(`[data-testid="team-card"][data-team="${teams[0]}"]`)).toContainText("operator");

    // Signed out, in another browser: the account's password, a wrong one refused first.
    const labLink = await invite(page, email, teams[1] as string, "viewer");
    await other.page.goto(labLink);
    await expect(other.page.getByTestId("invite-team")).toHaveText(teams[1] as string);
    await expect(other.page.getByLabel("Your name")).toHaveCount(0);
    await other.page.getByLabel("Your password").fill("not the password at all");
    await other.page.getByRole("button", { name: "Join", exact: true }).click();
    await expect(other.page.getByRole("alert").filter({ hasText: `password of ${email}` })).toBeVisible();
    await other.page.getByLabel("Your password").fill(INVITEE_PASSWORD);
    await other.page.getByRole("button", { name: "Join", exact: true }).click();
    await expect(other.page).toHaveURL(/\/$/);
    await expect(other.page.getByRole("button", { name: "User menu" })).toContainText(name);
  } finally {
    await member.context.close();
    await other.context.close();
    await page.goto("/settings/teams");
    for (const team of teams) {
      const card = page.locator(`[data-testid="team-card"][data-team="${team}"]`);
      if ((await card.count()) === 0) continue;
      await card.getByRole("button", { name: `Delete team ${team}` }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete team" }).click();
      await expect(card).toHaveCount(0);
    }
  }
});
