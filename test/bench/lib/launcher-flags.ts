/** The Node flags a bundle's `#!/usr/bin/env -S node FLAGS` line runs it with (the agent's launcher). */
import { readFileSync } from "node:fs";

export function launcherNodeFlags(bundle: string): string[] {
  const firstLine = readFileSync(bundle, "utf8").split("\n", 1)[0] ?? "";
  const match = /^#!\s*\S*env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(firstLine);
  if (!match) throw new Error(`${bundle}: first line is not "#!/usr/bin/env [-S] node [--flags]": ${firstLine}`);
  return (match[1] ?? "").split(/\s+/).filter(Boolean);
}
