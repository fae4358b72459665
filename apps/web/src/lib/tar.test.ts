import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { normaliseTarPath, packTar } from "./tar";

const text = (s: string) => new TextEncoder().encode(s);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes the archive and lets the system's tar read it: the real test of the format. */
function extract(archive: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "flotilla-tar-"));
  dirs.push(dir);
  writeFileSync(join(dir, "context.tar"), archive);
  execFileSync("tar", ["-xf", "context.tar", "--no-same-owner"], { cwd: dir });
  return dir;
}

describe("packTar", () => {
  it("writes an archive tar can list and extract byte for byte", () => {
    const binary = new Uint8Array(1500).map((_, i) => (i * 7) % 256);
    const archive = packTar(
      [
        { name: "Dockerfile", data: text("FROM busybox\nCOPY . /app\n") },
        { name: "app/index.html", data: text("<h1>héllo</h1>") },
        { name: "app/blob.bin", data: binary, mode: 0o755 },
        { name: "empty.txt", data: new Uint8Array(0) },
      ],
      Date.UTC(2025, 0, 1),
    );
    expect(archive.length % 512).toBe(0);
    const listing = execFileSync("tar", ["-tvf", "-"], { input: archive }).toString();
    expect(listing).toMatch(/-rwxr-xr-x .* 1500 2025-01-01 .*app\/blob\.bin/);

    const dir = extract(archive);
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe("FROM busybox\nCOPY . /app\n");
    expect(readFileSync(join(dir, "app/index.html"), "utf8")).toBe("<h1>héllo</h1>");
    expect(new Uint8Array(readFileSync(join(dir, "app/blob.bin")))).toEqual(binary);
    expect(readFileSync(join(dir, "empty.txt")).length).toBe(0);
  });

  it("keeps names longer than 100 bytes with the ustar prefix", () => {
    const long = `${"deep/".repeat(25)}file.txt`;
    expect(new TextEncoder().encode(long).length).toBeGreaterThan(100);
    const dir = extract(packTar([{ name: long, data: text("x") }]));
    expect(readFileSync(join(dir, long), "utf8")).toBe("x");
  });

  it("refuses unsafe, duplicate and impossible names", () => {
    expect(() => packTar([{ name: "../etc/passwd", data: text("") }])).toThrow(/\.\./);
    expect(() => packTar([{ name: "/abs", data: text("") }])).toThrow(/relative/);
    expect(() =>
      packTar([
        { name: "a.txt", data: text("") },
        { name: "./a.txt", data: text("") },
      ]),
    ).toThrow(/twice/);
    expect(() => packTar([{ name: "x".repeat(120), data: text("") }])).toThrow(/too long/);
  });
});

describe("normaliseTarPath", () => {
  it("drops empty and dot segments", () => {
    expect(normaliseTarPath("./app//src/./main.go")).toBe("app/src/main.go");
    expect(normaliseTarPath("win\\path.txt")).toBe("win/path.txt");
  });
});
