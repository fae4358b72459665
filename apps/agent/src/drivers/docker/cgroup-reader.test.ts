import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withTempDir } from "../../testing/helpers.js";
import { readKeyLine } from "./cgroup-reader.js";

describe("readKeyLine", () => {
  it("returns only the line of a whole key, from a file re-read in place", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "memory.stat");
      await writeFile(path, "inactive_file 5\ntotal_inactive_file 61440\ntotal_active_file 7\n");
      const handle = await open(path, "r");
      try {
        expect(readKeyLine(handle, "total_inactive_file")).toBe("total_inactive_file 61440");
        expect(readKeyLine(handle, "inactive_file")).toBe("inactive_file 5");
        expect(readKeyLine(handle, "active_file")).toBe("");
        await writeFile(path, "total_inactive_file 9");
        expect(readKeyLine(handle, "total_inactive_file"), "fresh content, last line").toBe("total_inactive_file 9");
      } finally {
        await handle.close();
      }
    }));
});
