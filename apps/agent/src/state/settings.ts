/**
 * Settings the server changed by command (today: the metrics interval). They outlive a restart,
 * so an agent restarted by an upgrade keeps the interval chosen in the dashboard rather than
 * falling back to its command-line default.
 */
import { z } from "zod";
import { readJsonIfExists, writeFileAtomic } from "./files.js";
import { stateFiles } from "./layout.js";

const settingsSchema = z.object({ intervalMs: z.number().int().min(1000).max(3_600_000).optional() });
export type Settings = z.infer<typeof settingsSchema>;

export async function readSettings(stateDir: string): Promise<Settings> {
  const parsed = settingsSchema.safeParse(await readJsonIfExists(stateFiles(stateDir).settings).catch(() => undefined));
  return parsed.success ? parsed.data : {};
}

export async function writeSettings(stateDir: string, settings: Settings): Promise<void> {
  await writeFileAtomic(stateFiles(stateDir).settings, `${JSON.stringify(settings)}\n`, 0o600);
}
