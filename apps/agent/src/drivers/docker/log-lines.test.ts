import { describe, expect, it } from "vitest";
import { FrameDemuxer, LineSplitter, LogLineReader, type OutputStream } from "./log-lines.js";

/** One frame of the multiplexed log stream, as the engine writes it. */
function frame(type: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("FrameDemuxer", () => {
  it("splits stdout and stderr frames, however the chunks fall", () => {
    const bytes = Buffer.concat([frame(1, "out one\n"), frame(2, "err one\n"), frame(1, "out two\n")]);
    // Every split point, including inside headers: the result must not change.
    for (let cut = 0; cut <= bytes.length; cut++) {
      const demuxer = new FrameDemuxer();
      const parts = [...demuxer.push(bytes.subarray(0, cut)), ...demuxer.push(bytes.subarray(cut))];
      // A frame cut in two may come out as two payloads of the same stream: join those.
      const runs: string[] = [];
      for (const [i, p] of parts.entries()) {
        if (i > 0 && parts[i - 1]?.stream === p.stream) runs[runs.length - 1] += p.data.toString();
        else runs.push(`${p.stream}:${p.data.toString()}`);
      }
      expect(runs).toEqual(["stdout:out one\n", "stderr:err one\n", "stdout:out two\n"]);
    }
  });
});

describe("LineSplitter", () => {
  it("keeps a partial line, strips CRLF, and decodes characters split across chunks", () => {
    const splitter = new LineSplitter();
    const euro = Buffer.from("€");
    expect(splitter.push(Buffer.from("first\r\nsec"))).toEqual(["first"]);
    expect(splitter.push(Buffer.concat([Buffer.from("ond "), euro.subarray(0, 1)]))).toEqual([]);
    expect(splitter.push(Buffer.concat([euro.subarray(1), Buffer.from("\nlast")]))).toEqual(["second €"]);
    expect(splitter.end()).toEqual(["last"]);
    expect(splitter.end()).toEqual([]);
  });

  it("keeps empty lines", () => {
    expect(new LineSplitter().push("a\n\nb\n")).toEqual(["a", "", "b"]);
  });
});

describe("LogLineReader", () => {
  const collect = (tty: boolean, chunks: Buffer[]) => {
    const seen: Array<[OutputStream, string]> = [];
    const reader = new LogLineReader(tty, (stream, lines) => {
      for (const line of lines) seen.push([stream, line]);
    });
    for (const chunk of chunks) reader.push(chunk);
    reader.end();
    return seen;
  };

  it("gives each stream its own lines when the container has no TTY", () => {
    // A line may span frames: the engine frames writes, not lines.
    const seen = collect(false, [frame(1, "hel"), frame(2, "warn\n"), frame(1, "lo\nbye")]);
    expect(seen).toEqual([
      ["stderr", "warn"],
      ["stdout", "hello"],
      ["stdout", "bye"],
    ]);
  });

  it("reads a TTY container's raw output as stdout", () => {
    expect(collect(true, [Buffer.from("a\r\nb")])).toEqual([
      ["stdout", "a"],
      ["stdout", "b"],
    ]);
  });
});
