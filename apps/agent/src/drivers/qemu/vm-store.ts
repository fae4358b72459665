/**
 * VM definitions on disk: one `<stateDir>/vms/<uuid>.json` per VM, written atomically. The
 * directory also holds each VM's runtime files (QMP sockets, pidfile, console log).
 */
import { readdir, rm } from "node:fs/promises";
import type { Logger } from "../../logger.js";
import { ensurePrivateDir, readJsonIfExists, writeFileAtomic } from "../../state/files.js";
import { definitionFile, type VmDefinition, vmDefinitionSchema, vmsDir } from "./vm-definition.js";

const UUID_FILE = /^[0-9a-f-]{36}\.json$/i;

export async function saveDefinition(stateDir: string, def: VmDefinition): Promise<void> {
  await ensurePrivateDir(vmsDir(stateDir));
  await writeFileAtomic(definitionFile(stateDir, def.uuid), `${JSON.stringify(def, null, 2)}\n`, 0o600);
}

/** Every readable definition; an unreadable one is logged and skipped, not fatal to the others. */
export async function loadDefinitions(stateDir: string, logger: Logger): Promise<VmDefinition[]> {
  const names = await readdir(vmsDir(stateDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const result: VmDefinition[] = [];
  for (const name of names.filter((n) => UUID_FILE.test(n)).sort()) {
    const path = `${vmsDir(stateDir)}/${name}`;
    try {
      const parsed = vmDefinitionSchema.safeParse(await readJsonIfExists(path));
      if (parsed.success) result.push(parsed.data);
      else logger.warn({ path, issue: parsed.error.issues[0]?.message }, "skipping an invalid VM definition");
    } catch (error) {
      logger.warn({ err: error, path }, "skipping an unreadable VM definition");
    }
  }
  return result;
}

/** Removes a VM's definition and its runtime files. */
export async function removeVmFiles(stateDir: string, def: VmDefinition): Promise<void> {
  await removeRuntimeFiles(def);
  await rm(def.consoleLog, { force: true });
  await rm(definitionFile(stateDir, def.uuid), { force: true });
}

/** Leftovers of a QEMU that is gone (QEMU normally removes its pidfile itself). */
export async function removeRuntimeFiles(def: VmDefinition): Promise<void> {
  await Promise.all([def.pidFile, def.qmpSocket, def.qmpAdminSocket].map((p) => rm(p, { force: true })));
}
