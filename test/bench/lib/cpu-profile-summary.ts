// Where a V8 CPU profile (node --cpu-prof) spent its time: self and inclusive time per function,
// idle excluded. For the agent resource benchmark's profiling runs (BENCH_CPU_PROF_DIR).
//   npx tsx test/bench/lib/cpu-profile-summary.ts FILE.cpuprofile [top=25]
import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: cpu-profile-summary FILE.cpuprofile [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${basename(url)}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
};

// Each sample is charged to its leaf (self) and once to every distinct frame on its stack (inclusive).
const selfUs = new Map<string, number>();
const totalUs = new Map<string, number>();
let busyUs = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i + 1] ?? 0;
  const leaf = byId.get(id);
  if (!leaf || leaf.callFrame.functionName === "(idle)") return;
  busyUs += us;
  selfUs.set(label(leaf), (selfUs.get(label(leaf)) ?? 0) + us);
  const seen = new Set<string>();
  for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    totalUs.set(l, (totalUs.get(l) ?? 0) + us);
  }
});

const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)} %  ${name}`);
};
console.log(
  `${basename(file)}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(0)} s profiled, ${(busyUs / 1e6).toFixed(2)} s busy`,
);
print("self time", selfUs);
print("inclusive time", totalUs);
