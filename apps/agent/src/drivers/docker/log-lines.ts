/**
 * Turning an engine's raw output streams into lines. A container without a TTY has its stdout
 * and stderr multiplexed into one stream of frames (an 8-byte header: stream type, 3 bytes
 * padding, big-endian payload length); a chunk from the socket may end anywhere, inside a
 * header, a frame, a line or a UTF-8 character. Pure, so every split is unit-tested.
 */
import { StringDecoder } from "node:string_decoder";

export type OutputStream = "stdout" | "stderr";

const HEADER_BYTES = 8;

/** Splits the multiplexed log stream into its stdout and stderr payloads, in order. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ stream: OutputStream; data: Buffer }> {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Array<{ stream: OutputStream; data: Buffer }> = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const type = this.pending[offset];
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - HEADER_BYTES < size) break;
      const start = offset + HEADER_BYTES;
      // 0 is stdin (never sent for logs); 1 stdout; 2 stderr. Anything else is shown, not lost.
      const stream: OutputStream = type === 2 ? "stderr" : "stdout";
      if (size > 0) out.push({ stream, data: this.pending.subarray(start, start + size) });
      offset = start + size;
    }
    this.pending = this.pending.subarray(offset);
    return out;
  }
}

/** Lines of one stream, without their "\n" or "\r\n"; a last line without one is kept until `end`. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  push(data: Buffer | string): string[] {
    const text = this.partial + (typeof data === "string" ? data : this.decoder.write(data));
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    return parts.map(stripCarriageReturn);
  }

  /** The unterminated rest, if any. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    return rest ? [stripCarriageReturn(rest)] : [];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * Everything the logs endpoint sends, as lines per stream. `tty`: the container has a terminal,
 * so its output is one raw stream (there is no stderr to tell apart).
 */
export class LogLineReader {
  private readonly demuxer: FrameDemuxer | undefined;
  private readonly splitters: Record<OutputStream, LineSplitter> = {
    stdout: new LineSplitter(),
    stderr: new LineSplitter(),
  };

  constructor(
    tty: boolean,
    private readonly emit: (stream: OutputStream, lines: string[]) => void,
  ) {
    this.demuxer = tty ? undefined : new FrameDemuxer();
  }

  push(chunk: Buffer): void {
    const payloads = this.demuxer ? this.demuxer.push(chunk) : [{ stream: "stdout" as const, data: chunk }];
    for (const { stream, data } of payloads) {
      const lines = this.splitters[stream].push(data);
      if (lines.length > 0) this.emit(stream, lines);
    }
  }

  end(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const lines = this.splitters[stream].end();
      if (lines.length > 0) this.emit(stream, lines);
    }
  }
}
