/** Small file helpers for the state dir: private directories and atomic replace-by-rename writes. */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, writeFile } from "node:fs/promises";

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes `data` to a fresh temporary file created with `mode` and renames it over `path`,
 * so readers see the old or the new content, never a torn file. The mode is set at creation.
 * `durable`: the bytes reach the disk before the rename, so the new content also survives a
 * power loss (costs an fsync).
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o644, durable = false): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    if (durable) {
      const file = await open(tmp, "wx", mode);
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
    } else await writeFile(tmp, data, { mode, flag: "wx" });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Reads a UTF-8 file, or returns undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Reads and JSON-parses a file; undefined when missing, an error naming the file when unparsable. */
export async function readJsonIfExists(path: string): Promise<unknown> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
}
