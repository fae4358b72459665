/** The agent credential issued at enrolment: stored 0600, never logged. */
import { stat } from "node:fs/promises";
import { z } from "zod";
import { AgentError } from "../errors.js";
import { ensurePrivateDir, readJsonIfExists, writeFileAtomic } from "./files.js";
import { stateFiles } from "./layout.js";

export const credentialsSchema = z.object({
  server: z.string().min(1),
  agentId: z.string().min(1),
  hostId: z.string().min(1),
  secret: z.string().min(1),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/** Reads `<stateDir>/credentials.json`; undefined when the agent is not enrolled yet. */
export async function readCredentials(stateDir: string): Promise<Credentials | undefined> {
  const path = stateFiles(stateDir).credentials;
  const value = await readJsonIfExists(path);
  if (value === undefined) return undefined;
  const parsed = credentialsSchema.safeParse(value);
  if (!parsed.success) throw new AgentError("state", `${path} is not a valid credentials file; re-enroll with --force`);
  return parsed.data;
}

/** True when the credentials file can be read by group or others (worth a warning). */
export async function credentialsTooOpen(stateDir: string): Promise<boolean> {
  const { mode } = await stat(stateFiles(stateDir).credentials);
  return (mode & 0o077) !== 0;
}

/** Writes the credentials file, created with mode 0600 (never chmod-ed afterwards). */
export async function writeCredentials(stateDir: string, credentials: Credentials): Promise<string> {
  await ensurePrivateDir(stateDir);
  const path = stateFiles(stateDir).credentials;
  await writeFileAtomic(path, `${JSON.stringify(credentials, null, 2)}\n`, 0o600);
  return path;
}

/** The WebSocket Authorization header value. */
export function bearerToken(credentials: Credentials): string {
  return `Bearer ${credentials.agentId}.${credentials.secret}`;
}
