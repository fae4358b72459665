/**
 * Hosts can only exchange workloads over a driver both run (a sim VM cannot land on a QEMU host,
 * a container cannot land on a host without a container engine), and the planner knows nothing
 * of drivers. So the hosts in scope are split into pools — hosts linked by a workload driver they
 * share — and each pool is planned on its own; pools share no host, so their plans merge into
 * one (steps of different pools run side by side). Inside a pool, a workload whose driver some
 * other usable host of the pool lacks is pinned (buildPlanInput), so it is never sent there.
 */
import { type Plan, planConsolidation } from "@flotilla/planner";

interface PoolHost {
  id: string;
  maintenance: boolean;
  drivers: string[];
}

/** Groups of host ids, connected through shared drivers, in input order. */
export function driverPools(hosts: readonly PoolHost[]): string[][] {
  const parent = new Map(hosts.map((h) => [h.id, h.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(id, root);
    return root;
  };
  const byDriver = new Map<string, string>();
  for (const h of hosts) {
    for (const d of h.drivers) {
      const other = byDriver.get(d);
      if (other === undefined) byDriver.set(d, h.id);
      else parent.set(find(h.id), find(other));
    }
  }
  const pools = new Map<string, string[]>();
  for (const h of hosts) {
    const root = find(h.id);
    pools.set(root, [...(pools.get(root) ?? []), h.id]);
  }
  return [...pools.values()];
}

/** Whether every other usable host of the workload's pool runs its driver (so it may go anywhere). */
export function movableInPool(workload: { host: string; driver: string }, pool: readonly PoolHost[]): boolean {
  // No other usable host: nothing it could be sent to wrongly (the planner keeps it anyway).
  return pool.every((h) => h.id === workload.host || h.maintenance || h.drivers.includes(workload.driver));
}

/** The planner run on each pool, merged. Throws the first pool's PlanError. */
export function planAcrossPools<I extends { hosts: PoolHost[]; workloads: Array<{ host: string }> }>(input: I): Plan {
  const pools = driverPools(input.hosts);
  if (pools.length <= 1) return planConsolidation(input);
  const plans = pools.map((ids) => {
    const inPool = new Set(ids);
    return planConsolidation({
      ...input,
      hosts: input.hosts.filter((h) => inPool.has(h.id)),
      workloads: input.workloads.filter((w) => inPool.has(w.host)),
    });
  });
  const moves = plans.flatMap((p) => p.moves).sort((a, b) => a.step - b.step);
  const warnings = plans.flatMap((p) => p.warnings ?? []);
  const sum = (key: keyof Plan["figures"]) => plans.reduce((s, p) => s + p.figures[key], 0);
  return {
    placement: Object.assign({}, ...plans.map((p) => p.placement)),
    moves,
    figures: {
      hostsBefore: sum("hostsBefore"),
      hostsAfter: sum("hostsAfter"),
      lowerBound: sum("lowerBound"),
      migrations: sum("migrations"),
      bytesToMove: sum("bytesToMove"),
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
