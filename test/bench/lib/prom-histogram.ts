// Reads one histogram from a Prometheus text scrape, and the quantile of the observations made
// between two scrapes (the upper bound of the bucket it falls in, as Prometheus estimates it).
export type Buckets = Map<number, number>;

export function histogramBuckets(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const pattern = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`);
  for (const line of text.split("\n")) {
    const m = pattern.exec(line);
    if (m) buckets.set(m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  }
  return buckets;
}

/** The q-quantile (0..1) of what was observed between `before` and `after`; null when nothing was. */
export function quantileBetween(before: Buckets, after: Buckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return null;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le;
  }
  return null;
}
