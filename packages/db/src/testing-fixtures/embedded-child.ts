// Started by embedded.test.ts as a separate process: either killed with SIGKILL once ready, to
// leave a data directory behind the way a crashed server would ("hang"), or exiting without
// calling stop() ("exit").
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startEmbeddedPostgres } from "../embedded.js";

const [dataDir, port, mode = "hang"] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ dataDir: dataDir ?? "", port: Number(port) });
const serverPid = readFileSync(join(dataDir ?? "", "postmaster.pid"), "utf8").split("\n")[0];
console.log(`ready ${serverPid} ${server.url}`);
if (mode === "exit") process.exit(0);
setInterval(() => {}, 60_000);
