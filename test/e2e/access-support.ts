// Steps the access browser tests share: inviting someone from the Invitations page, and
// joining from the link in a browser of their own.
import { type Browser, type BrowserContext, expect, type Page } from "@playwright/test";
import { e2eEnv as env } from "./session.js";

export const INVITEE_PASSWORD = "a long enough passphrase";

/** Invites `email` to `team` with `role`; returns the link shown once. */
export async function invite(page: Page, email: string, team: string, role: string): Promise<string> {
  await page.goto("/settings/invitations");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Team", { exact: true }).selectOption({ label: team });
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  await page.getByRole("button", { name: "Create invitation" }).click();
  const link = page.getByTestId("invitation-link");
  await expect(link).toContainText("/invite/");
  // Newest first: the invitation just made heads the list.
  const newest = page.getByTestId("invitation-row").first();
  await expect(newest).toContainText(email);
  await expect(newest).toContainText(team);
  await expect(newest).toContainText("pending");
  return ((await link.textContent()) ?? "").trim();
}

/** A browser with no cookies, as the invitee's own would be. */
export async function freshBrowser(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: env("FLOTILLA_E2E_URL") });
  return { context, page: await context.newPage() };
}

/** Opens the link, checks what it offers, makes the account and joins; lands on the dashboard. */
export async function join(
  browser: Browser,
  link: string,
  person: { name: string; team: string; role: string },
): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await freshBrowser(browser);
  const { page } = opened;
  await page.goto(link);
  await expect(page.getByTestId("invite-team")).toHaveText(person.team);
  await expect(page.getByTestId("invite-role")).toHaveText(new RegExp(person.role, "i"));
  await page.getByLabel("Your name").fill(person.name);
  await page.getByLabel("Choose a password").fill(INVITEE_PASSWORD);
  await page.getByLabel("Password again").fill(INVITEE_PASSWORD);
  await page.getByRole("button", { name: "Create account and join" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("button", { name: "User menu" })).toContainText(person.name);
  return opened;
}

/** Rows of an RFC 4180 CSV document (quoted cells may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}
