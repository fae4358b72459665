// The VM controls for a libvirt host in real Chromium against a real libvirtd: an in-process
// agent with the libvirt driver is enrolled as a host; a VM made from a template disk in its
// Create VM dialog is started, paused, resumed, snapshotted, powered off, cloned (full only: a
// libvirt VM is not offered linked clones) and deleted with its disks, all from its page.

import { randomUUID } from "node:crypto";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import type { Agent } from "../../apps/agent/src/agent.js";
import { createLibvirtDriver } from "../../apps/agent/src/drivers/libvirt/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { createDisk, ensureLibvirtd, janitor, newVmStateDir, virsh } from "../support/qemu.js";
import { signIn } from "./session.js";
import { ownerSession, startInProcessVmHost } from "./vm-fleet.js";

test.describe.configure({ mode: "serial", timeout: 240_000 });

const logger = createSilentLogger();
let libvirtd: Awaited<ReturnType<typeof ensureLibvirtd>>;
let agent: Agent | undefined;
let host: { id: string; name: string };
let stateDir: string;
const made: string[] = [];

async function startLibvirtHost(owner: TrpcSession) {
  const dir = newVmStateDir();
  chmodSync(dir, 0o711); // libvirt's QEMU (libvirt-qemu) reaches the disks below it
  const started = await startInProcessVmHost(
    owner,
    "libvirt",
    (stateDir) => createLibvirtDriver({ logger, uri: libvirtd.uri, stateDir, shutdownTimeoutMs: 20_000 }),
    dir,
  );
  agent = started.agent;
  stateDir = started.stateDir;
  return { id: started.hostId, name: started.name };
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  libvirtd = await ensureLibvirtd();
  host = await startLibvirtHost(await ownerSession());
});

test.afterAll(async () => {
  await agent?.stop();
  for (const name of made) {
    for (const args of [
      ["destroy", name],
      ["undefine", name, "--snapshots-metadata"],
    ]) {
      try {
        virsh(...args);
      } catch {
        // not running / not defined: fine
      }
    }
  }
  janitor.cleanAll();
  libvirtd?.stop();
});

const state = (page: Page) => page.getByTestId("workload-state");
const done = (page: Page, text: string) =>
  expect(page.getByText(text, { exact: true })).toBeVisible({ timeout: 60_000 });

test("a libvirt VM: create from a template, power, snapshot, full clone, delete with its disks", async ({ page }) => {
  const name = `lv-${randomUUID().slice(0, 6)}`;
  const cloneName = `${name}-copy`;
  made.push(name, cloneName);
  const templateDir = newVmStateDir();
  chmodSync(templateDir, 0o711);
  const template = createDisk(join(templateDir, "template.qcow2"), 32);

  await signIn(page);
  await page.goto(`/hosts/${host.id}`);
  await page.getByTestId("create-vm").click();
  const form = page.getByRole("form", { name: `Create a VM on ${host.name}` });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Template disk (path on the host)").fill(template);
  await form.getByLabel("Memory (MiB)").fill("128");
  await form.getByLabel("Start after creating").uncheck();
  await form.getByRole("button", { name: `Create ${name}` }).click();
  await done(page, `Created VM ${name} on ${host.name}`);
  expect(virsh("domstate", name).trim()).toBe("shut off");
  await page.getByRole("link", { name: `Open ${name}` }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(state(page)).toHaveText(/stopped/i);

  await page.getByRole("button", { name: `Start ${name}` }).click();
  await expect(state(page)).toHaveText(/running/i, { timeout: 30_000 });
  await page.getByRole("button", { name: `Pause ${name}` }).click();
  await done(page, `Paused ${name}`);
  await expect(state(page)).toHaveText(/paused/i);
  expect(virsh("domstate", name).trim()).toBe("paused");
  await page.getByRole("button", { name: `Resume ${name}` }).click();
  await done(page, `Resumed ${name}`);
  await expect(state(page)).toHaveText(/running/i);

  const snapshots = page.getByTestId("vm-snapshots");
  await expect(snapshots.getByText("No snapshots yet.")).toBeVisible({ timeout: 30_000 });
  await snapshots.getByTestId("vm-snapshot-name").fill("first");
  await snapshots.getByRole("button", { name: "Take snapshot" }).click();
  await done(page, "Took snapshot first");
  const list = snapshots.getByRole("list", { name: `Snapshots of ${name}` });
  await expect(list.getByText("first", { exact: true })).toBeVisible();
  expect(virsh("snapshot-list", name, "--name").trim()).toBe("first");

  await page.getByRole("button", { name: `Power off ${name}` }).click();
  await page
    .getByRole("dialog")
    .getByRole("button", { name: `Power off ${name}` })
    .click();
  await done(page, `Powered off ${name}`);
  await expect(state(page)).toHaveText(/stopped/i, { timeout: 30_000 });

  await page.getByRole("button", { name: `Clone ${name}` }).click();
  const cloneForm = page.getByRole("form", { name: `Clone ${name}` });
  await expect(cloneForm.getByRole("radio")).toHaveCount(1); // full only
  await cloneForm.getByLabel("New name").fill(cloneName);
  await cloneForm.getByRole("button", { name: `Clone as ${cloneName}` }).click();
  await done(page, `Cloned ${name} as ${cloneName}`);
  expect(virsh("domstate", cloneName).trim()).toBe("shut off");

  const uuid = virsh("domuuid", name).trim();
  const disk = join(stateDir, "libvirt-disks", uuid, "disk0.qcow2");
  expect(existsSync(disk)).toBe(true);
  await page.getByRole("button", { name: `Delete VM ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Delete VM ${name}?` });
  await dialog.getByLabel("Delete its disks").check();
  await dialog.getByRole("button", { name: `Delete ${name}` }).click();
  // The inventory's "removed" can reach the page before the command's result, and the page then
  // shows the removed state instead of the controls (and their toast): the removed state is the proof.
  await expect(page.getByTestId("workload-removed")).toBeVisible({ timeout: 60_000 });
  expect(existsSync(disk)).toBe(false);
  expect(existsSync(template)).toBe(true);

  await page.goto(`/hosts/${host.id}`);
  const table = page.getByRole("table", { name: "Workloads" });
  await expect(table.getByRole("link", { name: cloneName, exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(table.getByRole("link", { name, exact: true })).toHaveCount(0);
});
