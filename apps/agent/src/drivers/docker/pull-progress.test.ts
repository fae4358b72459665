import { describe, expect, it } from "vitest";
import { PullProgress, splitReference } from "./pull-progress.js";

describe("splitReference", () => {
  it.each([
    ["busybox", { fromImage: "busybox", tag: "latest" }],
    ["nginx:1.27", { fromImage: "nginx", tag: "1.27" }],
    ["127.0.0.1:5000/team/app", { fromImage: "127.0.0.1:5000/team/app", tag: "latest", registry: "127.0.0.1:5000" }],
    ["127.0.0.1:5000/team/app:v2", { fromImage: "127.0.0.1:5000/team/app", tag: "v2", registry: "127.0.0.1:5000" }],
    ["localhost/app:v1", { fromImage: "localhost/app", tag: "v1", registry: "localhost" }],
    ["team/app:v1", { fromImage: "team/app", tag: "v1" }],
    [`app@sha256:${"a".repeat(64)}`, { fromImage: "app", tag: `sha256:${"a".repeat(64)}` }],
  ])("%s", (reference, expected) => {
    expect(splitReference(reference)).toEqual(expected);
  });
});

describe("PullProgress", () => {
  it("shows status lines, folds byte counts into a fraction, and keeps the digest", () => {
    const p = new PullProgress();
    expect(p.line({ status: "Pulling from team/app", id: "v1" })).toBe("v1: Pulling from team/app");
    expect(p.line({ status: "Pulling fs layer", id: "aaa" })).toBe("aaa: Pulling fs layer");
    expect(p.fraction()).toBeUndefined();
    expect(p.line({ status: "Downloading", id: "aaa", progressDetail: { current: 25, total: 100 } })).toBeUndefined();
    expect(p.line({ status: "Downloading", id: "bbb", progressDetail: { current: 0, total: 300 } })).toBeUndefined();
    expect(p.fraction()).toBe(25 / 400);
    expect(p.line({ status: "Download complete", id: "aaa" })).toBe("aaa: Download complete");
    expect(p.fraction()).toBe(100 / 400);
    expect(p.summary()).toBe("downloaded 0.0 of 0.0 MB");
    expect(p.line({ status: `Digest: sha256:${"b".repeat(64)}` })).toBe(`Digest: sha256:${"b".repeat(64)}`);
    expect(p.digest).toBe(`sha256:${"b".repeat(64)}`);
    expect(p.line({ stream: "not a pull message" })).toBeUndefined();
  });
});
