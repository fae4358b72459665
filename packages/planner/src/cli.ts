// `npm run --silent plan -- <input.json>`: prints the plan JSON on stdout and nothing else,
// so the output can be piped; any problem goes to stderr with a non-zero exit status.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { planConsolidation } from "./plan-consolidation.js";
import { PlanError } from "./plan-error.js";

const USAGE = "usage: npm run --silent plan -- <input.json | ->";

function readInput(arg: string): unknown {
  // npm runs scripts from the repository root; INIT_CWD is where the user typed the command,
  // so a relative path means what they expect.
  const text = arg === "-" ? readFileSync(0, "utf8") : readFileSync(resolve(process.env.INIT_CWD ?? ".", arg), "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PlanError("invalid_input", `input is not valid JSON: ${(error as Error).message}`);
  }
}

function main(argv: string[]): number {
  const [arg, ...extra] = argv;
  if (arg === undefined || extra.length > 0 || arg === "--help") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const plan = planConsolidation(readInput(arg));
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof PlanError) {
      process.stderr.write(`plan: ${error.code}: ${error.message}\n`);
      return 1;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
      process.stderr.write(`plan: cannot read ${arg}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
