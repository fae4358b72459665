// Alerting as a team admin, from the browser: the team picker offers only the admin's own team
// (organisation-wide endpoints are the owner's), an endpoint the admin adds is their team's and
// receives a signed test, and the owner's organisation-wide endpoint is not shown to them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import { invite, join } from "./access-support.js";
import { e2eEnv as env, signIn } from "./session.js";

const run = Date.now().toString(36);
let receiver: Server;
let receiverUrl: string;
const received: { path: string; body: string }[] = [];

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

async function openWebhooks(page: Page) {
  await page.goto("/alerts");
  await page.getByRole("tab", { name: "Webhooks" }).click();
  return page.getByRole("form", { name: "New webhook endpoint" });
}

async function addEndpoint(page: Page, name: string, path: string) {
  const form = page.getByRole("form", { name: "New webhook endpoint" });
  await form.getByLabel("Endpoint name").fill(name);
  await form.getByLabel("URL").fill(`${receiverUrl}${path}`);
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_/);
}

test("a team admin manages their own team's webhooks only", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await page.goto("/settings/teams");
  const teamCard = page
    .getByTestId("team-card")
    .filter({ has: page.locator(`a[href="/hosts/${env("FLOTILLA_E2E_SIM_HOST_ID")}"]`) });
  const team = (await teamCard.getAttribute("data-team")) ?? "";

  // The owner may pick every team: an organisation-wide endpoint.
  const ownerForm = await openWebhooks(page);
  await expect(ownerForm.getByLabel("Team", { exact: true }).locator("option", { hasText: "Every team" })).toHaveCount(
    1,
  );
  await addEndpoint(page, `org-${run}`, "/org");

  const email = `alerts-admin-${run}@example.test`;
  const link = await invite(page, email, team, "admin");
  const admin = await join(browser, link, { name: `Ada Alerts ${run}`, team, role: "admin" });
  try {
    const form = await openWebhooks(admin.page);
    const teamSelect = form.getByLabel("Team", { exact: true });
    await expect(teamSelect.locator("option")).toHaveText([team]);
    const name = `team-${run}`;
    await addEndpoint(admin.page, name, "/team");
    const table = admin.page.getByRole("table", { name: "Webhook endpoints" });
    await expect(table.getByRole("row", { name: new RegExp(name) })).toBeVisible();
    await expect(table.getByRole("row", { name: new RegExp(`org-${run}`) })).toHaveCount(0);
    await table
      .getByRole("row", { name: new RegExp(name) })
      .getByRole("button", { name: "Send test" })
      .click();
    const log = admin.page.getByRole("table", { name: "Deliveries" });
    await expect(log.getByTestId("delivery-row").first()).toContainText("delivered");
    expect(received.filter((r) => r.path === "/team").length).toBe(1);

    // The owner sees both, the admin's under its team.
    await openWebhooks(page);
    const ownerTable = page.getByRole("table", { name: "Webhook endpoints" });
    await expect(ownerTable.getByRole("row", { name: new RegExp(name) })).toBeVisible();
    await expect(ownerTable.getByRole("row", { name: new RegExp(`org-${run}`) })).toBeVisible();
  } finally {
    await admin.context.close();
  }
});
