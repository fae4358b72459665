import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBlobFetcher } from "./blob-client.js";

const bytes = Buffer.from("FROM scratch\n");
const ref = { blobId: "b1", sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
const credential = { agentId: "a1", secret: "s".repeat(40) };
let server: ReturnType<typeof createServer>;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const authorised = req.headers.authorization === `Bearer a1.${"s".repeat(40)}`;
    if (!authorised) return void res.writeHead(401).end();
    if (req.url === "/api/agent/blobs/b1") return void res.writeHead(200).end(bytes);
    if (req.url === "/api/agent/blobs/tampered") return void res.writeHead(200).end(Buffer.from("FROM evil\n"));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("createBlobFetcher", () => {
  it("downloads with the agent's credential and checks the bytes", async () => {
    const fetchBlob = createBlobFetcher(url, credential);
    expect((await fetchBlob(ref, new AbortController().signal)).equals(bytes)).toBe(true);
    await expect(fetchBlob({ ...ref, blobId: "tampered" }, new AbortController().signal)).rejects.toMatchObject({
      code: "command_failed",
      message: expect.stringMatching(/checksum/),
    });
    await expect(fetchBlob({ ...ref, blobId: "gone" }, new AbortController().signal)).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
