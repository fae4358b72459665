/** Polls `check` until it returns true; on timeout fails with `context()` (e.g. process output). */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  context: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const detail = context();
  throw new Error(
    `condition not met within ${timeoutMs} ms${detail ? `\n--- output ---\n${detail.slice(-5000)}` : ""}`,
  );
}
