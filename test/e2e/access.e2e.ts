// Who sees what: the owner makes two teams, puts the simulated host (running workloads) in team
// A and the real docker host in team B, and invites a viewer and an operator to team A. Each
// invitee opens the link in a browser of their own, makes an account and lands on the
// dashboard: both see team A's host and not team B's; only the operator is offered the
// workload actions. The owner then finds the joins in the audit log and its CSV export.
import { readFileSync } from "node:fs";
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { invite, join, parseCsv } from "./access-support.js";
import { e2eEnv as env, signIn } from "./session.js";

const run = Date.now().toString(36);
const TEAM_A = `Team A ${run}`;
const TEAM_B = `Team B ${run}`;
const viewerName = `Vera Viewer ${run}`;
const viewerEmail = `viewer-${run}@example.test`;
const operatorEmail = `operator-${run}@example.test`;
const operatorName = `Otto Operator ${run}`;
/** Buttons that change a workload: an operator has them, a viewer never does. */
const WORKLOAD_ACTION = /^(Start|Stop|Restart|Remove|Shut down|Power off|Pause|Resume|Reboot) /;

const teamCard = (page: Page, name: string) => page.locator(`[data-testid="team-card"][data-team="${name}"]`);
const hostLink = (page: Page, hostId: string) => page.locator(`a[href="/hosts/${hostId}"]`);

async function createTeam(page: Page, name: string): Promise<void> {
  await page.getByLabel("New team name").fill(name);
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(teamCard(page, name)).toBeVisible();
}

/** The name of the team whose card lists the host. */
async function teamOfHost(page: Page, hostId: string): Promise<string> {
  const card = page.getByTestId("team-card").filter({ has: hostLink(page, hostId) });
  await expect(card).toHaveCount(1);
  return (await card.getAttribute("data-team")) ?? "";
}

async function moveHost(page: Page, hostId: string, team: string): Promise<void> {
  const row = page.getByTestId("team-host").filter({ has: hostLink(page, hostId) });
  await row.getByRole("combobox").selectOption({ label: team });
  await expect(teamCard(page, team).locator(`a[href="/hosts/${hostId}"]`)).toBeVisible();
}

/** The fleet page lists team A's host and not team B's. */
async function expectOnlyTeamAHosts(page: Page, simHostId: string, dockerHostId: string): Promise<void> {
  await page.goto("/");
  const hosts = page.getByRole("table", { name: "Hosts" });
  await expect(hosts.locator(`a[href="/hosts/${simHostId}"]`).first()).toBeVisible();
  await expect(page.getByTestId("hosts-count")).toHaveText("1");
  await expect(hosts.locator(`a[href="/hosts/${dockerHostId}"]`)).toHaveCount(0);
  // Team B's host answers as if it did not exist.
  await page.goto(`/hosts/${dockerHostId}`);
  await expect(page.getByRole("heading", { name: "Host not found" })).toBeVisible();
}

/** Opens team A's host and waits until its running workloads are listed. */
async function openSimHost(page: Page, simHostId: string): Promise<void> {
  await page.goto(`/hosts/${simHostId}`);
  const table = page.getByRole("table", { name: "Workloads" });
  await expect(
    table
      .getByRole("row")
      .filter({ has: page.locator('[data-state="running"]') })
      .first(),
  ).toBeVisible();
}

test("an invited viewer sees only their team's hosts and cannot act; an operator can", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const simHostId = env("FLOTILLA_E2E_SIM_HOST_ID");
  const dockerHostId = env("FLOTILLA_E2E_HOST_ID");
  const contexts: BrowserContext[] = [];
  const moved: { hostId: string; from: string }[] = [];

  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/members$/);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Teams" }).click();
  await expect(page).toHaveURL(/\/settings\/teams$/);

  try {
    await createTeam(page, TEAM_A);
    await createTeam(page, TEAM_B);
    for (const [hostId, team] of [
      [simHostId, TEAM_A],
      [dockerHostId, TEAM_B],
    ] as const) {
      moved.push({ hostId, from: await teamOfHost(page, hostId) });
      await moveHost(page, hostId, team);
    }

    const viewerLink = await invite(page, viewerEmail, TEAM_A, "viewer");
    const operatorLink = await invite(page, operatorEmail, TEAM_A, "operator");

    // The viewer: team A's host only, and nothing offered that would change it.
    const { context: viewerContext, page: viewer } = await join(browser, viewerLink, {
      name: viewerName,
      team: TEAM_A,
      role: "viewer",
    });
    contexts.push(viewerContext);
    await expect(viewer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Fleet" })).toBeVisible();
    await expect(viewer.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Deploy" })).toHaveCount(0);
    await expectOnlyTeamAHosts(viewer, simHostId, dockerHostId);
    await openSimHost(viewer, simHostId);
    await expect(viewer.getByRole("button", { name: WORKLOAD_ACTION })).toHaveCount(0);
    await expect(viewer.getByRole("link", { name: "Deploy here" })).toHaveCount(0);
    // Settings: the viewer's own things and the teams they can read, not the people.
    await viewer.goto("/settings");
    await expect(viewer).toHaveURL(/\/settings\/teams$/);
    await expect(teamCard(viewer, TEAM_A)).toBeVisible();
    await expect(teamCard(viewer, TEAM_B)).toHaveCount(0);
    const settingsMenu = viewer.getByRole("navigation", { name: "Settings" });
    await expect(settingsMenu.getByRole("link", { name: "Sessions" })).toBeVisible();
    await expect(settingsMenu.getByRole("link", { name: "Members" })).toHaveCount(0);
    await expect(settingsMenu.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    await viewer.goto("/settings/audit");
    await expect(viewer.getByText("Your role does not include this section.")).toBeVisible();
    await expect(viewer.getByRole("table", { name: "Audit log" })).toHaveCount(0);

    // The operator: the same hosts, and the workload actions.
    const { context: operatorContext, page: operator } = await join(browser, operatorLink, {
      name: operatorName,
      team: TEAM_A,
      role: "operator",
    });
    contexts.push(operatorContext);
    await expect(
      operator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Deploy" }),
    ).toBeVisible();
    await expectOnlyTeamAHosts(operator, simHostId, dockerHostId);
    await openSimHost(operator, simHostId);
    await expect(operator.getByRole("button", { name: WORKLOAD_ACTION }).first()).toBeVisible();

    // Operator in team A and viewer in team B: team B's host is readable, its actions are not offered.
    await page.goto("/settings/members");
    const operatorMember = page.getByTestId("member-row").filter({ hasText: operatorEmail });
    await operatorMember
      .getByRole("combobox", { name: `Add ${operatorName} to a team` })
      .selectOption({ label: TEAM_B });
    await expect(operatorMember.getByRole("combobox", { name: `Role of ${operatorName} in ${TEAM_B}` })).toHaveValue(
      "viewer",
    );
    await page.goto(`/hosts/${dockerHostId}`);
    await expect(page.getByRole("link", { name: "Deploy here" })).toBeVisible();
    await operator.goto(`/hosts/${dockerHostId}`);
    await expect(operator.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(operator.getByText(TEAM_B, { exact: true })).toBeVisible();
    await expect(operator.getByRole("link", { name: "Deploy here" })).toHaveCount(0);
    await expect(
      operator.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Deploy" }),
    ).toBeVisible();

    // The owner: both people in team A with their roles, the links used, the joins in the audit log.
    await page.goto("/settings/members");
    const viewerRow = page.getByTestId("member-row").filter({ hasText: viewerEmail });
    await expect(viewerRow.getByRole("combobox", { name: new RegExp(`in ${TEAM_A}$`) })).toHaveValue("viewer");
    const operatorRow = page.getByTestId("member-row").filter({ hasText: operatorEmail });
    await expect(operatorRow.getByRole("combobox", { name: new RegExp(`in ${TEAM_A}$`) })).toHaveValue("operator");
    await page.goto("/settings/invitations");
    await expect(page.getByTestId("invitation-row").filter({ hasText: viewerEmail })).toContainText("accepted");

    await page.goto("/settings/audit");
    // Other tests share this organisation: the two joins of this run are found by who joined.
    await page.getByLabel("Action").fill("invitation.accepted");
    await page.getByRole("button", { name: "Filter" }).click();
    const joins = page.locator('[data-testid="audit-row"][data-action="invitation.accepted"]');
    await expect(joins.filter({ hasText: viewerEmail })).toHaveCount(1);
    await expect(joins.filter({ hasText: operatorEmail })).toHaveCount(1);
    await expect(page.locator('[data-testid="audit-row"]:not([data-action="invitation.accepted"])')).toHaveCount(0);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, "utf8");
    const [columns = [], ...rows] = parseCsv(csv);
    expect(columns).toEqual(expect.arrayContaining(["id", "at", "actor", "action", "target", "ip"]));
    const action = columns.indexOf("action");
    expect(rows.map((r) => r[action])).toEqual(rows.map(() => "invitation.accepted"));
    expect(rows.filter((r) => r.join(",").includes(viewerEmail))).toHaveLength(1);
    expect(rows.filter((r) => r.join(",").includes(operatorEmail))).toHaveLength(1);
  } finally {
    for (const context of contexts) await context.close();
    // Leave the fleet as the other browser tests expect it: hosts back in their team, our teams gone.
    if (moved.length > 0 || (await teamCard(page, TEAM_A).count()) > 0) {
      await page.goto("/settings/teams");
      for (const { hostId, from } of moved) {
        if ((await teamOfHost(page, hostId)) !== from) await moveHost(page, hostId, from);
      }
      for (const team of [TEAM_A, TEAM_B]) {
        const card = teamCard(page, team);
        if ((await card.count()) === 0) continue;
        await card.getByRole("button", { name: `Delete team ${team}` }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Delete team" }).click();
        await expect(card).toHaveCount(0);
      }
    }
  }
});
