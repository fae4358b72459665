/** The agent's own version, reported in `hello` and at enrolment. Bundled in from package.json. */
import pkg from "../package.json" with { type: "json" };

export const AGENT_VERSION: string = pkg.version;
