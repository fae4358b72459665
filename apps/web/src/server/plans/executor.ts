/**
 * Finds approved and running plans and executes them (run-plan.ts). It polls the plans table
 * rather than waiting for a notification: approvals are rare and a second of delay is harmless,
 * and polling also resumes plans a stopped or crashed node left behind. A node claims a plan for
 * CLAIM_MS and renews the claim as it goes, so two nodes never execute one plan at once.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { ACTIVE_PLAN_STATES } from "./plan-view.js";
import { CLAIM_MS, runPlan } from "./run-plan.js";

export interface PlanExecutor {
  start(): Promise<void>;
  /** Stops taking plans, lets the running ones return and releases their claims (another node resumes them). */
  stop(): Promise<void>;
}

export interface PlanExecutorOptions extends Pick<Services, "prisma" | "live"> {
  log: Logger;
  pollMs?: number;
}

export function createPlanExecutor(options: PlanExecutorOptions): PlanExecutor {
  const { prisma, live } = options;
  const log = options.log.child({ component: "plans" });
  const nodeId = randomUUID();
  const running = new Map<string, Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;

  async function claim(id: string): Promise<boolean> {
    const { count } = await prisma.plan.updateMany({
      where: {
        id,
        state: { in: [...ACTIVE_PLAN_STATES] },
        OR: [{ claimedBy: null }, { claimedBy: nodeId }, { claimedUntil: null }, { claimedUntil: { lt: new Date() } }],
      },
      data: { claimedBy: nodeId, claimedUntil: new Date(Date.now() + CLAIM_MS) },
    });
    return count === 1;
  }

  async function poll(): Promise<void> {
    const rows = await prisma.plan.findMany({
      where: { state: { in: [...ACTIVE_PLAN_STATES] } },
      select: { id: true },
      orderBy: { approvedAt: "asc" },
    });
    for (const { id } of rows) {
      if (stopped || running.has(id) || !(await claim(id))) continue;
      const work = runPlan({ prisma, live, log, nodeId, stopping: () => stopped }, id)
        .catch((err: unknown) => log.error({ err, planId: id }, "plan run failed; it will be resumed"))
        .finally(() => running.delete(id));
      running.set(id, work);
    }
  }

  return {
    async start() {
      stopped = false;
      timer = setInterval(
        () => void poll().catch((err: unknown) => log.error({ err }, "polling plans failed")),
        options.pollMs ?? 1_000,
      );
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(running.values());
      // Another node (or this one after a restart) may take the plans over at once.
      await prisma.plan.updateMany({ where: { claimedBy: nodeId }, data: { claimedBy: null, claimedUntil: null } });
    },
  };
}
