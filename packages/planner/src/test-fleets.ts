// fast-check generators of planner input for the property tests: small fleets where every
// constraint (capacity, anti-affinity, pinning, maintenance) comes into play often.
import fc from "fast-check";
import type { Host, PlanInput, Workload } from "./schema.js";

const hostArb = fc.record({
  cpu: fc.integer({ min: 4, max: 64 }),
  memoryMb: fc.integer({ min: 2048, max: 131072 }),
  // About one host in five is in maintenance.
  maintenance: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});

const policyArb = fc.record({
  cpuHeadroom: fc.double({ min: 0.5, max: 1, noNaN: true }),
  memoryHeadroom: fc.double({ min: 0.5, max: 1, noNaN: true }),
});

const rawWorkloadArb = fc.record({
  host: fc.nat(),
  target: fc.nat(),
  cpuShare: fc.double({ min: 0, max: 1, noNaN: true }),
  memShare: fc.double({ min: 0, max: 1, noNaN: true }),
  group: fc.option(fc.constantFrom("a", "b", "c"), { freq: 2 }),
  pinned: fc.boolean(),
  vm: fc.boolean(),
});

type RawWorkload = typeof rawWorkloadArb extends fc.Arbitrary<infer T> ? T : never;

/** Any input the schema accepts, feasible or not: current hosts may even be overloaded. */
export const anyInputArb: fc.Arbitrary<PlanInput> = fc
  .record({
    hosts: fc.array(hostArb, { minLength: 1, maxLength: 8 }),
    workloads: fc.array(rawWorkloadArb, { maxLength: 30 }),
    policy: policyArb,
    scale: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
  })
  .map(({ hosts, workloads, policy, scale }) => {
    const named = nameHosts(hosts);
    return {
      hosts: named,
      policy,
      workloads: workloads.map((raw, i) => {
        const host = named[raw.host % named.length] as Host;
        // Pinning is rare in real fleets; keep it at about one in six so most inputs are satisfiable.
        const pinned = raw.pinned && raw.target % 3 === 0;
        return makeWorkload(
          i,
          raw,
          host,
          raw.cpuShare * scale * host.cpu,
          raw.memShare * scale * host.memoryMb,
          pinned,
        );
      }),
    };
  });

/**
 * Input with a known valid final placement (each host's targets fill at most 70 % of its
 * usable capacity, groups on distinct hosts, pinned workloads already on their target) and a
 * current placement within full capacity. The hidden placement's host count is returned too.
 */
export const feasibleInputArb: fc.Arbitrary<{ input: PlanInput; targetHosts: number }> = fc
  .record({
    hosts: fc.array(hostArb, { minLength: 2, maxLength: 8 }),
    workloads: fc.array(rawWorkloadArb, { maxLength: 30 }),
    policy: policyArb,
  })
  .filter(({ hosts }) => hosts.some((h) => !h.maintenance))
  .map(({ hosts, workloads, policy }) => buildFeasible(nameHosts(hosts), workloads, policy));

function nameHosts(hosts: Omit<Host, "id">[]): Host[] {
  return hosts.map((h, i) => ({ id: `h${i + 1}`, ...h }));
}

function makeWorkload(i: number, raw: RawWorkload, host: Host, cpu: number, mem: number, pinned: boolean): Workload {
  return {
    id: `w${i + 1}`,
    kind: raw.vm ? "vm" : "container",
    host: host.id,
    cpu: round(cpu),
    memoryMb: Math.floor(mem),
    antiAffinity: raw.group,
    pinned,
  };
}

function round(value: number): number {
  return Math.floor(value * 100) / 100;
}

function buildFeasible(hosts: Host[], raws: RawWorkload[], policy: PlanInput["policy"]) {
  const usable = hosts.filter((h) => !h.maintenance);
  const targetOf = raws.map((raw) => usable[raw.target % usable.length] as Host);
  const shares = new Map<string, [number, number]>();
  raws.forEach((raw, i) => {
    const t = targetOf[i] as Host;
    const [c, m] = shares.get(t.id) ?? [0, 0];
    shares.set(t.id, [c + raw.cpuShare, m + raw.memShare]);
  });
  const groupsOn = new Set<string>();
  const sized = raws.map((raw, i) => {
    const t = targetOf[i] as Host;
    const [sumCpu, sumMem] = shares.get(t.id) ?? [1, 1];
    const cpu = round((raw.cpuShare / Math.max(sumCpu, 1)) * 0.7 * t.cpu * policy.cpuHeadroom);
    const mem = Math.floor((raw.memShare / Math.max(sumMem, 1)) * 0.7 * t.memoryMb * policy.memoryHeadroom);
    const group = raw.group !== null && !groupsOn.has(`${raw.group}/${t.id}`) ? raw.group : null;
    if (group !== null) groupsOn.add(`${group}/${t.id}`);
    return { raw: { ...raw, group }, t, cpu, mem };
  });
  // Everything starts on its target, then moves to a random host where that stays within full capacity.
  const load = new Map<string, [number, number]>();
  const add = (id: string, cpu: number, mem: number) => {
    const [c, m] = load.get(id) ?? [0, 0];
    load.set(id, [c + cpu, m + mem]);
  };
  for (const { t, cpu, mem } of sized) add(t.id, cpu, mem);
  const workloads = sized.map(({ raw, t, cpu, mem }, i) => {
    const current = hosts[raw.host % hosts.length] as Host;
    const [c, m] = load.get(current.id) ?? [0, 0];
    if (raw.pinned || current === t || c + cpu > current.cpu || m + mem > current.memoryMb) {
      return makeWorkload(i, raw, t, cpu, mem, raw.pinned);
    }
    add(t.id, -cpu, -mem);
    add(current.id, cpu, mem);
    return makeWorkload(i, raw, current, cpu, mem, false);
  });
  return { input: { hosts, workloads, policy }, targetHosts: new Set(targetOf.map((t) => t.id)).size };
}

/**
 * A current and a target placement drawn independently, each packed up to its limit (full
 * capacity now, usable capacity at the end): moves then wait on each other, often in cycles.
 */
export const placementPairArb: fc.Arbitrary<{ input: PlanInput; target: Record<string, string> }> = fc
  .record({
    hosts: fc.array(hostArb, { minLength: 2, maxLength: 6 }),
    workloads: fc.array(
      fc.record({
        now: fc.nat(),
        later: fc.nat(),
        cpu: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        mem: fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        vm: fc.boolean(),
      }),
      { minLength: 1, maxLength: 25 },
    ),
    headroom: fc.double({ min: 0.8, max: 1, noNaN: true }),
  })
  .map(({ hosts, workloads, headroom }) => {
    const named = nameHosts(hosts).map((h) => ({ ...h, cpu: 16, memoryMb: 16384 }));
    const usable = named.filter((h) => !h.maintenance);
    const nowLoad = new Map<string, [number, number]>();
    const laterLoad = new Map<string, [number, number]>();
    const target: Record<string, string> = {};
    const placed: Workload[] = [];
    for (const [i, raw] of workloads.entries()) {
      const cpu = round(raw.cpu * 16);
      const mem = Math.floor(raw.mem * 16384);
      const now = firstWithRoom(named, raw.now, nowLoad, cpu, mem, 1);
      const later = firstWithRoom(usable, raw.later, laterLoad, cpu, mem, headroom);
      if (now === undefined || later === undefined) continue;
      const id = `w${i + 1}`;
      target[id] = later.id;
      placed.push({
        id,
        kind: raw.vm ? "vm" : "container",
        host: now.id,
        cpu,
        memoryMb: mem,
        antiAffinity: null,
        pinned: false,
      });
    }
    const policy = { cpuHeadroom: headroom, memoryHeadroom: headroom };
    return { input: { hosts: named, workloads: placed, policy }, target };
  });

/** The first host from a starting index on where the demand fits under capacity × limit; adds it. */
function firstWithRoom(
  hosts: Host[],
  start: number,
  load: Map<string, [number, number]>,
  cpu: number,
  mem: number,
  limit: number,
): Host | undefined {
  for (let k = 0; k < hosts.length; k++) {
    const h = hosts[(start + k) % hosts.length] as Host;
    const [c, m] = load.get(h.id) ?? [0, 0];
    if (c + cpu <= h.cpu * limit && m + mem <= h.memoryMb * limit) {
      load.set(h.id, [c + cpu, m + mem]);
      return h;
    }
  }
  return undefined;
}

/**
 * Fleets packed up to full capacity now, with anti-affinity groups broken in places and
 * hosts in maintenance: the plans that come out need moves that wait on each other.
 */
export const tightInputArb: fc.Arbitrary<PlanInput> = placementPairArb.map(({ input }) => ({
  ...input,
  workloads: input.workloads.map((w, i) => ({ ...w, antiAffinity: i % 3 === 0 ? `g${i % 2}` : null })),
}));
