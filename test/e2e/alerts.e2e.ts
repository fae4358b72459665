// Alerting from the browser: a rule made in the editor (its preview tries it on the fleet's recent
// data first) and then changed in it, a webhook endpoint whose secret is shown once, a refused metadata URL, and "Send
// test" reaching a real receiver on loopback, with the attempt in the delivery log.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { signIn } from "./session.js";

let receiver: Server;
let receiverUrl: string;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
test.afterAll(async () => {
  await new Promise((r) => receiver.close(r));
});

test("create a rule with a preview, edit it, and a webhook that receives a signed test", async ({ page }) => {
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Alerts" }).click();
  await expect(page).toHaveURL(/\/alerts/);
  await expect(page.getByRole("heading", { level: 1, name: "Alerts" })).toBeVisible();

  // Rule editor with its preview on recent data (the fleet's hosts report every second).
  await page.getByRole("tab", { name: "Rules" }).click();
  const form = page.getByRole("form", { name: "New rule" });
  const ruleName = `CPU over 1 % ${Date.now()}`;
  await form.getByLabel("Rule name").fill(ruleName);
  await form.getByRole("spinbutton", { name: "Threshold" }).fill("1");
  await form.getByRole("spinbutton", { name: "Hold (s)" }).fill("0");
  await expect(page.getByTestId("rule-preview-summary")).toHaveText(
    /Would have fired [1-9]\d* times? over the last hour on [1-9]\d* hosts?/,
  );
  await form.getByRole("button", { name: "Save rule" }).click();
  await expect(form.getByRole("status")).toHaveText(`Rule “${ruleName}” saved.`);
  const ruleRow = page.getByRole("table", { name: "Alert rules" }).getByRole("row", { name: new RegExp(ruleName) });
  await expect(ruleRow).toContainText("host cpu above 1");
  const rule = await page.request.get(`/api/trpc/alerts.rules`);
  const stored = ((await rule.json()) as { result: { data: { id: string; name: string }[] } }).result.data.find(
    (r) => r.name === ruleName,
  );
  expect(stored).toBeDefined();

  // Its alerts fire, and the open list follows them live (pushed, never polled): raising the
  // threshold out of reach behind the page's back resolves them, and they leave the list.
  await page.getByRole("tab", { name: "Alerts" }).click();
  const firing = page.getByRole("table", { name: "Alerts" }).getByRole("row", { name: new RegExp(ruleName) });
  await expect(firing.first()).toContainText("firing");
  const raised = await page.request.post(`/api/trpc/alerts.updateRule`, {
    data: {
      id: stored?.id,
      rule: { name: ruleName, kind: "metric_threshold", metric: "cpu", comparator: "above", threshold: 1000 },
    },
  });
  expect(raised.status()).toBe(200);
  await expect(firing).toHaveCount(0);
  await page.getByRole("tab", { name: "Rules" }).click();

  // Edit it: the editor opens on the stored rule, and the list shows the change once saved.
  await ruleRow.getByRole("button", { name: `Edit ${ruleName}` }).click();
  const edit = page.getByRole("form", { name: "Edit rule" });
  await expect(edit.getByLabel("Rule name")).toHaveValue(ruleName);
  await expect(edit.getByRole("spinbutton", { name: "Threshold" })).toHaveValue("1000");
  await edit.getByRole("spinbutton", { name: "Threshold" }).fill("85");
  await edit.getByRole("spinbutton", { name: "Hold (s)" }).fill("120");
  await edit.getByLabel("Severity").selectOption("critical");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(ruleRow).toContainText("host cpu above 85 for 120 s");
  await expect(ruleRow).toContainText("critical");

  // Webhooks: a metadata address is refused with a clear error.
  await page.getByRole("tab", { name: "Webhooks" }).click();
  const hook = page.getByRole("form", { name: "New webhook endpoint" });
  await hook.getByLabel("Endpoint name").fill("metadata");
  await hook.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data");
  await hook.getByRole("button", { name: "Add endpoint" }).click();
  await expect(hook.getByRole("alert")).toContainText("link-local");

  const name = `ops-${Date.now()}`;
  await hook.getByLabel("Endpoint name").fill(name);
  await hook.getByLabel("URL").fill(receiverUrl);
  await hook.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByTestId("webhook-secret")).toHaveText(/^whsec_/);
  const row = page.getByRole("table", { name: "Webhook endpoints" }).getByRole("row", { name: new RegExp(name) });
  await row.getByRole("button", { name: "Send test" }).click();
  const log = page.getByRole("table", { name: "Deliveries" });
  await expect(log.getByTestId("delivery-row").first()).toContainText("endpoint.test");
  await expect(log.getByTestId("delivery-row").first()).toContainText("delivered");
  await expect(log.getByTestId("delivery-row").first()).toContainText("thanks");
  expect(received.at(-1)?.headers["webhook-signature"]).toMatch(/^v1,/);
  expect(JSON.parse(received.at(-1)?.body ?? "{}")).toMatchObject({ type: "endpoint.test" });
});

test("a weekly maintenance window is kept in the time zone it was set in", async ({ page }) => {
  await signIn(page);
  await page.goto("/alerts");
  await page.getByRole("tab", { name: "Silences" }).click();
  const form = page.getByRole("form", { name: "New silence" });
  const comment = `patch night ${Date.now()}`;
  await form.getByLabel("Comment").fill(comment);
  await form.getByLabel("Kind").selectOption("weekly");
  await form.getByLabel("Starts").fill("22:00");
  await form.getByLabel("Time zone").selectOption("Europe/Berlin");
  await form.getByRole("button", { name: "Add silence" }).click();
  await expect(page.getByRole("row", { name: new RegExp(comment) })).toContainText(
    "Every Sat at 22:00 Europe/Berlin for 120 min",
  );
});
