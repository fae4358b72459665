/**
 * Which commands this agent has run, kept in the state dir so a command id is run at most once,
 * even across restarts; a finished command's result is kept to be sent again when asked again.
 */
import type { CommandResultFrame } from "@flotilla/protocol";
import { z } from "zod";
import type { Logger } from "../logger.js";
import { readJsonIfExists, writeFileAtomic } from "../state/files.js";

const entrySchema = z.object({
  id: z.string(),
  /** running: started and not finished (by this process, or by one that died). */
  state: z.enum(["running", "done"]),
  at: z.number(),
  result: z.custom<CommandResultFrame>((v) => typeof v === "object" && v !== null).optional(),
});
export type StoredCommand = z.infer<typeof entrySchema>;
const fileSchema = z.object({ commands: z.array(entrySchema) });

export class CommandStore {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string,
    private readonly entries: Map<string, StoredCommand>,
    private readonly max: number,
  ) {}

  /** Loads the store; commands left `running` by an earlier process are reported by `get` as such. */
  static async open(path: string, logger: Logger, max = 500): Promise<CommandStore> {
    let value: unknown;
    try {
      value = await readJsonIfExists(path);
    } catch {
      logger.warn({ path }, "ignoring an unreadable command store");
    }
    const parsed = value === undefined ? undefined : fileSchema.safeParse(value);
    if (parsed && !parsed.success) logger.warn({ path }, "ignoring an invalid command store");
    const entries = new Map((parsed?.success ? parsed.data.commands : []).map((e) => [e.id, e]));
    return new CommandStore(path, entries, max);
  }

  get(id: string): StoredCommand | undefined {
    return this.entries.get(id);
  }

  markRunning(id: string, at = Date.now()): Promise<void> {
    return this.put({ id, state: "running", at });
  }

  finish(id: string, result: CommandResultFrame): Promise<void> {
    return this.put({ id, state: "done", at: result.ts, result });
  }

  private put(entry: StoredCommand): Promise<void> {
    this.entries.delete(entry.id);
    this.entries.set(entry.id, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
    const text = `${JSON.stringify({ commands: [...this.entries.values()] })}\n`;
    // Durable: "started" must be on disk before the command runs, or a power cut could run it twice.
    const write = this.writing.then(() => writeFileAtomic(this.path, text, 0o600, true));
    this.writing = write.catch(() => {});
    return write;
  }
}
