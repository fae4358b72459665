import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { checkScrapeAccess } from "./scrape-access.js";

function request(remoteAddress: string, authorization?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: authorization ? { authorization } : {} } as unknown as IncomingMessage;
}

describe("who may scrape /metrics", () => {
  it("lets only loopback clients in when no token is configured", () => {
    expect(checkScrapeAccess(request("127.0.0.1"), null)).toBe("ok");
    expect(checkScrapeAccess(request("::1"), null)).toBe("ok");
    expect(checkScrapeAccess(request("::ffff:127.0.0.1"), null)).toBe("ok");
    expect(checkScrapeAccess(request("10.0.0.7"), null)).toBe("forbidden");
    expect(checkScrapeAccess(request("::ffff:192.168.1.2"), null)).toBe("forbidden");
  });

  it("requires the exact bearer token when one is configured, even from loopback", () => {
    const token = "a-long-scrape-token-0123456789";
    expect(checkScrapeAccess(request("10.0.0.7", `Bearer ${token}`), token)).toBe("ok");
    expect(checkScrapeAccess(request("127.0.0.1"), token)).toBe("unauthorized");
    expect(checkScrapeAccess(request("127.0.0.1", `Bearer ${token}x`), token)).toBe("unauthorized");
    expect(checkScrapeAccess(request("127.0.0.1", `Basic ${token}`), token)).toBe("unauthorized");
  });
});
