// Operating a simulated container from the browser: its logs stream in live, Stop and Start
// answer at once and end in a clear success, and the host's Commands tab shows those commands
// reaching succeeded (and the log follow cancelled once its page was left).
import { readFileSync } from "node:fs";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { e2eEnv as env, signIn } from "./session.js";

/** The lines the log view holds now. */
async function lineCount(log: Locator): Promise<number> {
  return Number((await log.getAttribute("data-line-count")) ?? 0);
}

/** Opens a running simulated container from its host's table; returns its name. */
async function openRunningContainer(page: Page, hostId: string): Promise<string> {
  await page.goto(`/hosts/${hostId}`);
  await page.getByRole("button", { name: "Containers" }).click();
  const running = page
    .getByRole("table", { name: "Workloads" })
    .getByRole("row")
    .filter({ has: page.locator('[data-state="running"]') })
    .first();
  const link = running.getByRole("link").first();
  const name = (await link.textContent()) ?? "";
  expect(name).not.toBe("");
  // The row offers the container's actions by name.
  await expect(running.getByRole("button", { name: `Stop ${name}` })).toBeVisible();
  await link.click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return name;
}

test("a container's logs follow live, and Stop then Start succeed and show in the Commands tab", async ({ page }) => {
  const hostId = env("FLOTILLA_E2E_SIM_HOST_ID");
  await signIn(page);
  const name = await openRunningContainer(page, hostId);
  const state = page.getByTestId("workload-state");
  await expect(state).toHaveText(/running/i);

  // Logs: the history arrives, then new lines keep coming without a reload.
  const log = page.getByRole("log", { name: `Logs of ${name}` });
  await expect(page.getByTestId("logs-state")).toContainText("Following live");
  await expect.poll(() => lineCount(log)).toBeGreaterThan(0);
  const before = await lineCount(log);
  await expect.poll(() => lineCount(log), { timeout: 15_000 }).toBeGreaterThan(before);
  await expect(log).toContainText("HTTP/1.1");

  // The filter narrows what is shown and says how many lines match.
  await page.getByLabel("Filter log lines").fill("HTTP/1.1");
  await expect(page.getByText(/^\d[\d,]* of \d[\d,]* lines$/)).toBeVisible();
  await page.getByLabel("Filter log lines").fill("");

  // Download: a .log file of what is loaded.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download logs" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.log$/);
  const saved = await download.path();
  expect(readFileSync(saved, "utf8")).toContain("HTTP/1.1");

  // Stop: a pending state at once, then a clear success, and the container's state follows.
  await page.getByRole("button", { name: `Stop ${name}` }).click();
  const status = page.getByRole("status").filter({ hasText: name }).first();
  await expect(status).toBeVisible();
  await expect(status).toContainText(`Stopped ${name}`);
  await expect(state).toHaveText(/exited|stopped/i);
  // `docker logs -f` ends with the container.
  await expect(page.getByTestId("logs-state")).toContainText("Stream ended");

  // Start: the same, and the logs follow again on their own.
  await page.getByRole("button", { name: `Start ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `Started ${name}` })).toBeVisible();
  await expect(state).toHaveText(/running/i);
  await expect(page.getByTestId("logs-state")).toContainText("Following live");

  // The host's Commands tab: both commands succeeded; the log follow was cancelled on leaving.
  await page.goto(`/hosts/${hostId}?tab=commands`);
  const commands = page.getByRole("table", { name: "Commands" });
  const stopRow = commands
    .getByRole("row")
    .filter({ hasText: `Stop ${name}` })
    .first();
  const startRow = commands
    .getByRole("row")
    .filter({ hasText: `Start ${name}` })
    .first();
  await expect(stopRow).toHaveAttribute("data-state", "succeeded");
  await expect(startRow).toHaveAttribute("data-state", "succeeded");
  await expect(startRow.getByText("Succeeded", { exact: true })).toBeVisible();
  await expect(
    commands
      .getByRole("row")
      .filter({ hasText: `Logs of ${name}` })
      .first(),
  ).toHaveAttribute("data-state", "cancelled");

  // A row opens onto its event log.
  await stopRow.getByRole("button", { name: `Details of Stop ${name}` }).click();
  const events = page.getByRole("list", { name: "Event log" });
  await expect(events).toContainText("Pending");
  await expect(events).toContainText("Succeeded");

  // The top bar counts what is still running: nothing of ours.
  await expect(page.getByTestId("commands-running")).toBeVisible();
});
