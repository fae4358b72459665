// A custom role, end to end: the owner makes one from the permission list, sees it in the role
// matrix, gives it to a viewer, who is then offered the workload actions it grants; deleting
// the role takes them away again (the member falls back to their base role).
import { expect, type Page, test } from "@playwright/test";
import { invite, join } from "./access-support.js";
import { e2eEnv as env, signIn } from "./session.js";

const run = Date.now().toString(36);
const ROLE = `Deployer ${run}`;
const WORKLOAD_ACTION = /^(Start|Stop|Restart|Remove|Shut down|Power off|Pause|Resume|Reboot) /;

/** Opens the simulated host and waits for its running workloads. */
async function openSimHost(page: Page): Promise<void> {
  await page.goto(`/hosts/${env("FLOTILLA_E2E_SIM_HOST_ID")}`);
  const running = page
    .getByRole("table", { name: "Workloads" })
    .getByRole("row")
    .filter({ has: page.locator('[data-state="running"]') });
  await expect(running.first()).toBeVisible();
}

test("a custom role grants what it lists, and deleting it takes that away", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);

  await page.goto("/settings/roles");
  await page.getByRole("button", { name: "New custom role" }).click();
  const dialog = page.getByRole("dialog", { name: "New custom role" });
  await dialog.getByLabel("Name").fill(ROLE);
  await dialog.getByLabel("workloads.operate").check();
  await dialog.getByRole("button", { name: "Create role" }).click();
  await expect(dialog).toBeHidden();
  const matrix = page.getByRole("table", { name: "Role permissions" });
  await expect(matrix.getByRole("columnheader", { name: new RegExp(ROLE) })).toBeVisible();
  await expect(matrix.getByLabel(`${ROLE} has workloads.operate`)).toBeVisible();
  await expect(matrix.getByLabel(`${ROLE} has fleet.read`)).toBeVisible();
  await expect(matrix.getByLabel(`${ROLE} lacks hosts.manage`)).toBeVisible();

  await page.goto("/settings/teams");
  const teamCard = page
    .getByTestId("team-card")
    .filter({ has: page.locator(`a[href="/hosts/${env("FLOTILLA_E2E_SIM_HOST_ID")}"]`) });
  const team = (await teamCard.getAttribute("data-team")) ?? "";
  const email = `custom-${run}@example.test`;
  const link = await invite(page, email, team, "viewer");
  const member = await join(browser, link, { name: `Cleo Custom ${run}`, team, role: "viewer" });
  try {
    await openSimHost(member.page);
    await expect(member.page.getByRole("button", { name: WORKLOAD_ACTION })).toHaveCount(0);

    // The owner gives the custom role in that team.
    await page.goto("/settings/members");
    const roleSelect = page
      .getByTestId("member-row")
      .filter({ hasText: email })
      .getByRole("combobox", { name: `Role of Cleo Custom ${run} in ${team}` });
    await roleSelect.selectOption({ label: `${ROLE} (custom)` });
    await expect(roleSelect).toHaveValue(/^custom:/);

    // The member, on their next page load, is offered the actions.
    await openSimHost(member.page);
    await expect(member.page.getByRole("button", { name: WORKLOAD_ACTION }).first()).toBeVisible();

    // Deleting the role: back to viewer.
    await page.goto("/settings/roles");
    await page.getByRole("button", { name: `Delete role ${ROLE}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete role" }).click();
    await expect(matrix.getByRole("columnheader", { name: new RegExp(ROLE) })).toHaveCount(0);
    await openSimHost(member.page);
    await expect(member.page.getByRole("button", { name: WORKLOAD_ACTION })).toHaveCount(0);
  } finally {
    await member.context.close();
  }
});
