// @flotilla/planner: consolidation plans as pure functions over plain data.

export { checkPlan } from "./check-plan.js";
export { type Baselines, evaluateBaselines } from "./evaluate-baselines.js";
export { parsePlanInput, planConsolidation } from "./plan-consolidation.js";
export { PlanError, type PlanErrorCode } from "./plan-error.js";
export * from "./schema.js";
