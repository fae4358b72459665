// Consolidation from the Plans page, as an operator does it on simulated hosts (which migrate):
// put two hosts in a host group, consolidate that group, read the plan (figures, before/after
// picture, moves with reasons), approve it, watch the moves run to the end, and mark the
// emptied host standby. Two extra sim hosts are started here (seed 1: a 16-core host whose
// three workloads fit on its 32-core neighbour), enrolled with tokens made through the API.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";
import { e2eEnv as env, signIn } from "./session.js";

const GROUP = "e2e-rack";
const HOSTS = ["e2eplan-001", "e2eplan-002"];
let fleet: Proc | undefined;

interface Scopes {
  hosts: Array<{ id: string; name: string; status: string }>;
}

test.beforeAll(async () => {
  const api = new TrpcSession(env("FLOTILLA_E2E_URL"));
  await api.mutate("auth.signIn", { email: env("FLOTILLA_E2E_EMAIL"), password: env("FLOTILLA_E2E_PASSWORD") });
  const tokens: string[] = [];
  for (const _ of HOSTS) {
    const res = await api.mutate<{ token: string }>("enrollment.createToken", { ttlMinutes: 10 });
    if (!res.data) throw new Error(`no enrolment token: ${res.error?.message}`);
    tokens.push(res.data.token);
  }
  const stateDir = newStateDir();
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify(tokens), { mode: 0o600 });
  fleet = startProcess([
    AGENT_BIN,
    "sim",
    ...["--server", env("FLOTILLA_E2E_URL"), "--count", String(HOSTS.length), "--seed", "1"],
    ...["--name-prefix", "e2eplan", "--state-dir", stateDir, "--token-file", tokenFile],
    ...["--interval-ms", "1000", "--log-level", "warn"],
  ]);
  await waitFor(
    async () => {
      const scopes = (await api.query<Scopes>("plans.scopes")).data;
      return HOSTS.every((name) => scopes?.hosts.some((h) => h.name === name && h.status === "online"));
    },
    45_000,
    () => fleet?.output() ?? "",
  );
  // A few samples per workload, so demand comes from measurements.
  await new Promise((r) => setTimeout(r, 4000));
});

test.afterAll(async () => {
  await fleet?.stop();
});

test("consolidates a host group from the Plans page: review, approve, follow, standby", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page);
  await page.goto("/plans");

  // Put the two hosts in a group.
  await page.getByRole("button", { name: "Group hosts" }).click();
  const grouping = page.getByRole("form", { name: "Group hosts" });
  for (const name of HOSTS) await grouping.getByRole("checkbox", { name }).check();
  await grouping.getByLabel("Group name").fill(GROUP);
  await grouping.getByRole("button", { name: "Put in group" }).click();
  await expect(grouping.getByRole("status")).toHaveText(`2 host(s) now in ${GROUP}.`);

  // Consolidate that group.
  const form = page.getByRole("form", { name: "Consolidate" });
  await form.getByLabel("Scope").selectOption("group");
  await expect(form.getByLabel("Host group")).toHaveValue(GROUP);
  await form.getByLabel("Memory measure").selectOption("allocated");
  await form.getByRole("button", { name: "Consolidate" }).click();

  const detail = page.getByTestId("plan-detail");
  await expect(detail).toHaveAttribute("data-state", "draft");
  await expect(detail).toContainText(`scope host group ${GROUP}`);
  const figures = page.getByTestId("plan-figures");
  await expect(figures.getByText("Hosts before")).toBeVisible();
  await expect(figures).toContainText(/Hosts before\s*2/);
  await expect(figures).toContainText(/Hosts after\s*1/);
  const moves = page.getByTestId("plan-move");
  expect(await moves.count()).toBeGreaterThan(0);
  // Reasons read in host names, not ids.
  await expect(moves.first()).toContainText(/empties host e2eplan-00\d/);

  await page.getByRole("button", { name: "Approve plan" }).click();
  await expect(page.getByTestId("plan-progress")).toBeVisible();
  await expect(detail).toHaveAttribute("data-state", "succeeded", { timeout: 120_000 });
  await expect(page.getByTestId("plan-progress")).toContainText(/(\d+) of \1 moves done/);
  for (const row of await moves.all()) await expect(row).toContainText(/succeeded/i);

  // The emptied host can be marked standby.
  const standby = page.getByRole("button", { name: /^Mark e2eplan-00\d standby$/ });
  await expect(standby).toHaveCount(1);
  await standby.click();
  await expect(standby).toBeDisabled();
  await expect(standby).toHaveText(/^e2eplan-00\d on standby$/);
});

test("a host's group is set and cleared from its own page", async ({ page }) => {
  const api = new TrpcSession(env("FLOTILLA_E2E_URL"));
  await api.mutate("auth.signIn", { email: env("FLOTILLA_E2E_EMAIL"), password: env("FLOTILLA_E2E_PASSWORD") });
  const hostId = (await api.query<Scopes>("plans.scopes")).data?.hosts.find((h) => h.name === HOSTS[1])?.id;
  expect(hostId).toBeDefined();
  await signIn(page);
  await page.goto(`/hosts/${hostId}`);

  await page.getByRole("button", { name: /^(Set|Change) group$/ }).click();
  const form = page.getByRole("form", { name: "Host group" });
  await form.getByLabel("Group name").fill("rack b");
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("host-group")).toHaveText("rack b");
  const groups = async () =>
    (await api.query<{ groups: { group: string; hosts: number }[] }>("plans.scopes")).data?.groups ?? [];
  expect(await groups()).toContainEqual(expect.objectContaining({ group: "rack b", hosts: 1 }));

  await page.getByRole("button", { name: "Change group" }).click();
  await form.getByRole("button", { name: "No group" }).click();
  await expect(page.getByTestId("host-group")).toHaveText("—");
  expect((await groups()).map((g) => g.group)).not.toContain("rack b");
});

test("the host a plan emptied is removed from the fleet from its page", async ({ page }) => {
  const api = new TrpcSession(env("FLOTILLA_E2E_URL"));
  await api.mutate("auth.signIn", { email: env("FLOTILLA_E2E_EMAIL"), password: env("FLOTILLA_E2E_PASSWORD") });
  type Row = { id: string; name: string; vmCount: number; containerCount: number };
  const rows = async () => (await api.query<Row[]>("fleet.hosts")).data ?? [];
  const empty = (await rows()).find((h) => HOSTS.includes(h.name) && h.vmCount + h.containerCount === 0);
  expect(empty).toBeDefined();
  await signIn(page);
  await page.goto(`/hosts/${empty?.id}`);

  await page.getByRole("button", { name: "Remove host" }).click();
  const dialog = page.getByRole("dialog", { name: `Remove the host ${empty?.name}?` });
  await expect(dialog).toContainText("credential revoked");
  await dialog.getByRole("button", { name: `Remove ${empty?.name}` }).click();
  await expect(page).toHaveURL(/\/\?removed=/);
  await expect(page.getByRole("status").filter({ hasText: "was removed from the fleet" })).toContainText(
    `${empty?.name} was removed`,
  );
  expect((await rows()).map((h) => h.name)).not.toContain(empty?.name);
});
