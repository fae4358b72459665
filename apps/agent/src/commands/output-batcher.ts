/**
 * Turns a handler's output lines into few command_progress frames: lines are held for a short
 * moment (or until enough pile up) and sent as `{stream, lines}` chunks, in order. A followed
 * log of a chatty container thus costs a handful of frames (and server writes) per second.
 */
import type { CommandOutput } from "@flotilla/protocol";

const MAX_LINE_CHARS = 16_384;
const MAX_LINES_PER_FRAME = 1000;
const FLUSH_LINES = 500;
const FLUSH_CHARS = 256 * 1024;

export class OutputBatcher {
  private runs: CommandOutput[] = [];
  private lines = 0;
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly emit: (chunk: CommandOutput) => void,
    private readonly delayMs = 100,
  ) {}

  push(stream: CommandOutput["stream"], lines: readonly string[]): void {
    if (this.closed) return;
    for (const raw of lines) {
      const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS - 1)}…` : raw;
      const last = this.runs.at(-1);
      if (last && last.stream === stream && last.lines.length < MAX_LINES_PER_FRAME) last.lines.push(line);
      else this.runs.push({ stream, lines: [line] });
      this.lines += 1;
      this.chars += line.length;
    }
    if (this.lines >= FLUSH_LINES || this.chars >= FLUSH_CHARS) this.flush();
    else if (!this.timer && this.lines > 0) this.timer = setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const runs = this.runs;
    this.runs = [];
    this.lines = 0;
    this.chars = 0;
    for (const run of runs) this.emit(run);
  }

  /** Sends what is held; later pushes are dropped (the result has been or is being sent). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
