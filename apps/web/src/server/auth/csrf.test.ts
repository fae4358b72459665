import { describe, expect, it } from "vitest";
import { csrfProblem, originProblem } from "./csrf.js";

const json = "application/json";

describe("csrfProblem", () => {
  it("accepts JSON from our own origin, or without an Origin header", () => {
    expect(csrfProblem({ contentType: json, origin: "http://fleet.local:3000", host: "fleet.local:3000" })).toBeNull();
    expect(csrfProblem({ contentType: "application/json; charset=utf-8", origin: undefined, host: "x" })).toBeNull();
  });

  it("refuses anything but application/json", () => {
    for (const contentType of [undefined, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
      expect(csrfProblem({ contentType, origin: undefined, host: "fleet.local" })).toMatch(/application\/json/);
    }
  });

  it("refuses another site's origin, a different port, and the opaque origin", () => {
    expect(csrfProblem({ contentType: json, origin: "https://evil.example", host: "fleet.local" })).toMatch(
      /another site/,
    );
    expect(
      csrfProblem({ contentType: json, origin: "http://fleet.local:4000", host: "fleet.local:3000" }),
    ).not.toBeNull();
    expect(csrfProblem({ contentType: json, origin: "null", host: "fleet.local" })).not.toBeNull();
    expect(csrfProblem({ contentType: json, origin: "http://fleet.local", host: undefined })).not.toBeNull();
  });

  it("accepts the configured public origin behind a proxy that rewrites Host", () => {
    const check = { origin: "https://flotilla.example.com", host: "10.0.0.5:3000" };
    expect(originProblem(check)).not.toBeNull();
    expect(originProblem({ ...check, trustedOrigins: ["https://flotilla.example.com"] })).toBeNull();
  });
});
