import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type EngineMessage, readEngineMessages } from "./json-stream.js";

describe("readEngineMessages", () => {
  it("reads messages split across chunks until the stream ends", async () => {
    const stream = new PassThrough();
    const seen: EngineMessage[] = [];
    const done = readEngineMessages(stream, new AbortController().signal, (m) => seen.push(m));
    stream.write('{"stream":"Step 1/2 : FROM x\\n"}\n{"str');
    stream.write('eam":"Step 2/2"}\n{"aux":{"ID":"sha256:1"}}');
    stream.end();
    await done;
    expect(seen).toEqual([{ stream: "Step 1/2 : FROM x\n" }, { stream: "Step 2/2" }, { aux: { ID: "sha256:1" } }]);
  });

  it("fails with the engine's message on an error message", async () => {
    const stream = new PassThrough();
    const done = readEngineMessages(stream, new AbortController().signal, () => {});
    stream.write('{"errorDetail":{"message":"returned a non-zero code: 3"},"error":"returned a non-zero code: 3"}\n');
    await expect(done).rejects.toThrow("returned a non-zero code: 3");
  });

  it("destroys the stream and resolves when cancelled", async () => {
    const stream = new PassThrough();
    const controller = new AbortController();
    const done = readEngineMessages(stream, controller.signal, () => {});
    controller.abort("cancelled");
    await done;
    expect(stream.destroyed).toBe(true);
  });

  it("fails when the engine drops the connection mid-stream", async () => {
    const stream = new PassThrough();
    const done = readEngineMessages(stream, new AbortController().signal, () => {});
    stream.destroy(new Error("socket hang up"));
    await expect(done).rejects.toThrow("socket hang up");
  });
});
