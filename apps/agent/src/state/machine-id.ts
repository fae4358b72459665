/** A stable host id: /etc/machine-id when present, else one generated once and kept in the state dir. */
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { ensurePrivateDir, readFileIfExists } from "./files.js";
import { stateFiles } from "./layout.js";

const VALID = /^[A-Za-z0-9-]{8,200}$/;

/** Returns the id in `<stateDir>/machine-id`, creating it (race-free, `wx`) when missing. */
export async function persistedMachineId(stateDir: string): Promise<string> {
  const path = stateFiles(stateDir).machineId;
  const existing = (await readFileIfExists(path))?.trim();
  if (existing && VALID.test(existing)) return existing;
  await ensurePrivateDir(stateDir);
  const id = randomUUID().replaceAll("-", "");
  try {
    await writeFile(path, `${id}\n`, { flag: existing === undefined ? "wx" : "w" });
    return id;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return ((await readFileIfExists(path)) ?? id).trim();
  }
}

/** /etc/machine-id (systemd) or /var/lib/dbus/machine-id, falling back to the persisted id. */
export async function resolveMachineId(stateDir: string, etcPaths = ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
  for (const path of etcPaths) {
    const id = (await readFileIfExists(path).catch(() => undefined))?.trim();
    if (id && VALID.test(id)) return id;
  }
  return persistedMachineId(stateDir);
}
