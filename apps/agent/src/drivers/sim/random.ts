/** Deterministic randomness for the simulator: a seeded PRNG and smooth noise as a function of time. */

/** A 32-bit hash of the given parts (FNV-1a over their string forms, then a murmur finaliser). */
export function hashParts(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG returning numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Value noise in [0, 1]: random values at knots every `periodMs`, eased in between. Same inputs, same output. */
export function smoothNoise(seed: number, ts: number, periodMs: number): number {
  const x = ts / periodMs;
  const knot = Math.floor(x);
  const f = x - knot;
  const eased = f * f * (3 - 2 * f);
  const a = hashParts(seed, knot) / 4294967296;
  const b = hashParts(seed, knot + 1) / 4294967296;
  return a + (b - a) * eased;
}

/** A sine wave in [-1, 1] with a seeded phase. */
export function wave(seed: number, ts: number, periodMs: number): number {
  const phase = (hashParts(seed, "phase") / 4294967296) * 2 * Math.PI;
  return Math.sin((2 * Math.PI * ts) / periodMs + phase);
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

export function between(random: () => number, min: number, max: number): number {
  return min + random() * (max - min);
}

/** Hex digits derived from a seed (for container ids and VM uuids). */
export function hexFrom(seed: number, length: number): string {
  const random = createRandom(seed);
  let out = "";
  while (out.length < length)
    out += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, "0");
  return out.slice(0, length);
}
