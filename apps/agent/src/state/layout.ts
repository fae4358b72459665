/**
 * Where the agent keeps its state. One directory per agent (sim hosts get a subdirectory each):
 *
 *   credentials.json   {server, agentId, hostId, secret}, mode 0600, written by `enroll`
 *   machine-id         generated host id, only when /etc/machine-id is missing (sim: always)
 *   seq                the last metrics sequence number handed out (decimal text)
 *   spool/             unacknowledged metrics batches, one file per batch: <seq, 16 digits>.json
 *   commands.json      ids of commands already run, with their stored results
 *   settings.json      settings changed by the server (metrics interval)
 */
import { join } from "node:path";

export function stateFiles(stateDir: string) {
  return {
    dir: stateDir,
    credentials: join(stateDir, "credentials.json"),
    machineId: join(stateDir, "machine-id"),
    seq: join(stateDir, "seq"),
    spool: join(stateDir, "spool"),
    commands: join(stateDir, "commands.json"),
    settings: join(stateDir, "settings.json"),
  };
}
export type StateFiles = ReturnType<typeof stateFiles>;
