import { describe, expect, it } from "vitest";
import { assertWebhookUrl, guardedLookup, parseAllowList, refusalOf } from "./ssrf.js";

describe("refusalOf", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.1", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "unique-local"],
    ["fc00::1", "unique-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "IPv4-mapped"],
    ["::ffff:8.8.8.8", "IPv4-mapped"],
    ["64:ff9b::7f00:1", "IPv4-embedding"],
  ])("refuses %s (%s)", (ip, words) => {
    expect(refusalOf(ip)).toContain(words);
  });

  it.each(["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])("lets public %s through", (ip) => {
    expect(refusalOf(ip)).toBeNull();
  });

  it("lets configured ranges through, and only those", () => {
    const allow = parseAllowList("127.0.0.0/8, ::1/128");
    expect(refusalOf("127.0.0.1", allow)).toBeNull();
    expect(refusalOf("::1", allow)).toBeNull();
    expect(refusalOf("10.0.0.1", allow)).toContain("private");
  });

  it("names a bad allow-list entry", () => {
    expect(() => parseAllowList("127.0.0.0/8,nonsense")).toThrow(/nonsense/);
  });
});

describe("assertWebhookUrl", () => {
  it.each([
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::1]:8080/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[fd00:ec2::254]/",
    "http://localhost:9000/",
  ])("refuses %s", (url) => {
    expect(() => assertWebhookUrl(url, [])).toThrow(/refused/);
  });

  it("refuses other schemes and credentials in the URL", () => {
    expect(() => assertWebhookUrl("file:///etc/passwd", [])).toThrow(/http/);
    expect(() => assertWebhookUrl("ftp://example.com/", [])).toThrow(/http/);
    expect(() => assertWebhookUrl("https://u:p@example.com/", [])).toThrow(/credentials/);
  });

  it("accepts a public name (checked again when connecting) and an allowed loopback", () => {
    expect(assertWebhookUrl("https://hooks.example.com/x", []).hostname).toBe("hooks.example.com");
    expect(assertWebhookUrl("http://127.0.0.1:8080/x", parseAllowList("127.0.0.0/8")).port).toBe("8080");
  });
});

describe("guardedLookup", () => {
  it("fails a name that resolves to loopback (the address actually connected to)", async () => {
    const lookup = guardedLookup([]);
    const err = await new Promise<Error | null>((resolve) => lookup("localhost", {}, (e) => resolve(e)));
    expect(err?.message).toMatch(/refused address/);
  });

  it("passes it when loopback is allowed", async () => {
    const lookup = guardedLookup(parseAllowList("127.0.0.0/8,::1/128"));
    const address = await new Promise<string>((resolve, reject) =>
      lookup("localhost", {}, (e, a) => (e ? reject(e) : resolve(a as string))),
    );
    expect(["127.0.0.1", "::1"]).toContain(address);
  });
});
