import { describe, expect, it } from "vitest";
import { QmpError } from "./qmp-client.js";
import { resumeWhenUnlocked } from "./resume-when-unlocked.js";

const lockHeld = () => new QmpError("GenericError", 'Failed to get "write" lock', "cont");

describe("resumeWhenUnlocked", () => {
  it("retries cont while the image lock is still held, then resumes", async () => {
    let calls = 0;
    await resumeWhenUnlocked(
      async () => {
        calls += 1;
        if (calls < 3) throw lockHeld();
      },
      { retryEveryMs: 1 },
    );
    expect(calls).toBe(3);
  });

  it("gives up with QEMU's error once the wait is over, and never retries another error", async () => {
    await expect(
      resumeWhenUnlocked(() => Promise.reject(lockHeld()), { timeoutMs: 20, retryEveryMs: 1 }),
    ).rejects.toThrow(/write" lock/);
    let calls = 0;
    const other = new QmpError("GenericError", "Device not found", "cont");
    await expect(
      resumeWhenUnlocked(async () => {
        calls += 1;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
