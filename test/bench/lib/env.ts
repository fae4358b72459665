/** Benchmark settings from the environment: a whole number, or the benchmark stops with why. */
export function wholeEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    console.error(`${name}=${raw}: must be a whole number >= ${min}`);
    process.exit(2);
  }
  return Number(raw);
}
