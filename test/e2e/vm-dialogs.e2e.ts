// The VM dialogs in real Chromium against real QEMU guests: two hosts run the qemu driver
// (in-process agents, see vm-fleet.ts); a tiny Linux guest on host A is paused, resumed,
// ballooned, snapshotted, reverted, shut down over ACPI, started, rebooted and powered off from
// its page; a VM made from a template in the host's Create VM dialog is cloned and deleted; and
// while the guest is being migrated to host B its page shows who holds it and refuses actions.
import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";
import type { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { hasQemu, janitor } from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";
import { signIn } from "./session.js";
import { type E2eVmHost, ownerSession, startGuest, startQemuHost, templateDisk } from "./vm-fleet.js";

test.describe.configure({ mode: "serial", timeout: 240_000 });

let owner: TrpcSession;
let A: E2eVmHost;
let B: E2eVmHost;
const guestName = `guest-${randomUUID().slice(0, 6)}`;
let guestId: string;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  owner = await ownerSession();
  A = await startQemuHost(owner);
  B = await startQemuHost(owner);
  guestId = await startGuest(owner, A, guestName);
});

test.afterAll(async () => {
  await A?.agent.stop();
  await B?.agent.stop();
  janitor.cleanAll();
});

const state = (page: Page) => page.getByTestId("workload-state");
const done = (page: Page, text: string) =>
  expect(page.getByText(text, { exact: true })).toBeVisible({ timeout: 60_000 });

test("power actions, memory and snapshots of a running guest", async ({ page }) => {
  const name = guestName;
  await signIn(page);
  await page.goto(`/workloads/${guestId}`);
  await expect(state(page)).toHaveText(/running/i);

  await page.getByRole("button", { name: `Pause ${name}` }).click();
  await done(page, `Paused ${name}`);
  await expect(state(page)).toHaveText(/paused/i);
  await page.getByRole("button", { name: `Resume ${name}` }).click();
  await done(page, `Resumed ${name}`);
  await expect(state(page)).toHaveText(/running/i);

  // The balloon: 128 MiB allocated, 96 asked for (the guest's virtio-balloon driver gives it back).
  await page.getByTestId("vm-memory-input").fill("96");
  await page.getByRole("button", { name: "Set memory" }).click();
  await done(page, `Set ${name}'s memory to 96 MiB`);

  const snapshots = page.getByTestId("vm-snapshots");
  await expect(snapshots.getByText("No snapshots yet.")).toBeVisible({ timeout: 30_000 });
  await snapshots.getByTestId("vm-snapshot-name").fill("before-change");
  await snapshots.getByRole("button", { name: "Take snapshot" }).click();
  await done(page, "Took snapshot before-change");
  const list = snapshots.getByRole("list", { name: `Snapshots of ${name}` });
  await expect(list.getByText("before-change", { exact: true })).toBeVisible();
  await expect(list).toContainText("of memory"); // a live snapshot keeps the RAM too

  await list.getByRole("button", { name: `Revert ${name} to before-change` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revert to before-change" }).click();
  await done(page, "Reverted to snapshot before-change");
  await expect(state(page)).toHaveText(/running/i);

  await list.getByRole("button", { name: "Delete snapshot before-change" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete before-change" }).click();
  await done(page, "Deleted snapshot before-change");
  await expect(snapshots.getByText("No snapshots yet.")).toBeVisible();

  // ACPI: the guest's acpid powers it off.
  await page.getByRole("button", { name: `Shut down ${name}` }).click();
  await done(page, `Shut down ${name}`);
  await expect(state(page)).toHaveText(/stopped/i, { timeout: 30_000 });

  await page.getByRole("button", { name: `Start ${name}` }).click();
  await expect(state(page)).toHaveText(/running/i, { timeout: 30_000 });
  await page.getByRole("button", { name: `Reboot ${name}` }).click();
  await done(page, `Rebooted ${name}`);
  await expect(state(page)).toHaveText(/running/i);

  // Power off asks first, naming the VM; keeping it running sends nothing.
  await page.getByRole("button", { name: `Power off ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Power off VM ${name}?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Keep it running" }).click();
  await expect(dialog).toBeHidden();
  await expect(state(page)).toHaveText(/running/i);
  await page.getByRole("button", { name: `Power off ${name}` }).click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: `Power off ${name}` })
    .click();
  await done(page, `Powered off ${name}`);
  await expect(state(page)).toHaveText(/stopped/i, { timeout: 30_000 });

  // Running again for the migration test.
  await page.getByRole("button", { name: `Start ${name}` }).click();
  await expect(state(page)).toHaveText(/running/i, { timeout: 30_000 });
});

test("the lease badge while the guest is being migrated, and actions refused until it is released", async ({
  page,
}) => {
  await signIn(page);
  await page.goto(`/workloads/${guestId}`);
  await expect(state(page)).toHaveText(/running/i);
  await expect(page.getByTestId("workload-lease")).toHaveCount(0);

  // A trickle of bandwidth keeps the migration going long enough to look at.
  const started = await owner.mutate<{ id: string }>("migrations.start", {
    workloadId: guestId,
    targetHostId: B.hostId,
    storage: "shared",
    listenHost: "127.0.0.1",
    maxBandwidthBytesPerSec: 64 * 1024,
  });
  expect(started.error).toBeUndefined();
  const badge = page.getByTestId("workload-lease");
  await expect(badge).toBeVisible();
  await expect(badge).toContainText(`migration:${started.data?.id}`);
  await expect(badge).toContainText(/since/);
  await expect(page.getByRole("button", { name: `Pause ${guestName}` })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Set memory" })).toBeDisabled();

  await page.goto("/migrations");
  const row = page.getByTestId("migration-row").filter({ hasText: guestName });
  await expect(row).toHaveAttribute("data-state", /preparing|migrating/);
  await row.getByRole("button", { name: /^Cancel migration of / }).click();
  await waitFor(async () => {
    const m = (await owner.query<{ state: string }>("migrations.get", { id: started.data?.id })).data;
    return m?.state === "cancelled";
  }, 60_000);

  await page.goto(`/workloads/${guestId}`);
  await expect(page.getByTestId("workload-lease")).toHaveCount(0);
  await expect(state(page)).toHaveText(/running/i);
  await expect(page.getByTestId("workload-host-link")).toHaveText(A.name);
  await expect(page.getByRole("button", { name: `Pause ${guestName}` })).toBeEnabled();
});

test("create a VM from a template, clone it, delete it with its disks", async ({ page }) => {
  const name = `tpl-${randomUUID().slice(0, 6)}`;
  const cloneName = `${name}-copy`;
  await signIn(page);
  await page.goto(`/hosts/${A.hostId}`);
  await page.getByTestId("create-vm").click();
  const form = page.getByRole("form", { name: `Create a VM on ${A.name}` });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Template disk (path on the host)").fill(templateDisk());
  await form.getByLabel("Memory (MiB)").fill("128");
  await form.getByLabel("Start after creating").uncheck();
  await form.getByRole("button", { name: `Create ${name}` }).click();
  await done(page, `Created VM ${name} on ${A.name}`);
  await page.getByRole("link", { name: `Open ${name}` }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(state(page)).toHaveText(/stopped|created/i);

  await page.getByRole("button", { name: `Clone ${name}` }).click();
  const cloneForm = page.getByRole("form", { name: `Clone ${name}` });
  await cloneForm.getByLabel("New name").fill(cloneName);
  await cloneForm.getByRole("button", { name: `Clone as ${cloneName}` }).click();
  await done(page, `Cloned ${name} as ${cloneName}`);

  await page.getByRole("button", { name: `Delete VM ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete VM ${name}?` });
  await dialog.getByLabel("Delete its disks").check();
  await dialog.getByRole("button", { name: `Delete ${name}` }).click();
  await done(page, `Deleted VM ${name}`);
  await expect(page.getByTestId("workload-removed")).toBeVisible({ timeout: 30_000 });

  // The clone is a VM of its own on the host.
  await page.goto(`/hosts/${A.hostId}`);
  const table = page.getByRole("table", { name: "Workloads" });
  await expect(table.getByRole("link", { name: cloneName, exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole("link", { name, exact: true })).toHaveCount(0);
});
