/**
 * The SSRF guard for webhook URLs. Only public unicast addresses may be reached, checked on the
 * address actually connected to (a custom `lookup` for the http agent, so a name that resolves to
 * 127.0.0.1 on the second lookup cannot slip through) and on IP literals, which Node connects to
 * without a lookup. Ranges in FLOTILLA_WEBHOOK_ALLOW_CIDRS are let through (self-hosters, tests).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type AllowList = ReadonlyArray<[Address, number]>;

/** Words for each refused ipaddr.js range, for the error an operator reads. */
const REFUSED_RANGES: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  linkLocal: "a link-local or cloud metadata address",
  carrierGradeNat: "a carrier-grade NAT address (100.64.0.0/10)",
  uniqueLocal: "an IPv6 unique-local address (fc00::/7)",
  unspecified: "the unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  ipv4Mapped: "an IPv4-mapped IPv6 address",
  rfc6052: "an IPv4-embedding IPv6 address",
  rfc6145: "an IPv4-translated IPv6 address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo address",
  reserved: "a reserved address",
};

/** "127.0.0.0/8, ::1/128" -> parsed ranges; throws naming the bad entry. */
export function parseAllowList(text: string | undefined): AllowList {
  if (!text?.trim()) return [];
  return text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((entry) => {
      try {
        return ipaddr.parseCIDR(entry);
      } catch {
        throw new Error(`"${entry}" is not a CIDR range such as 127.0.0.0/8 or ::1/128`);
      }
    });
}

function isAllowListed(address: Address, allow: AllowList): boolean {
  return allow.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
}

/** Why `ip` may not be called, or null when it may. `ip` in any form ipaddr.js reads (127.1, 0x7f000001...). */
export function refusalOf(ip: string, allow: AllowList = []): string | null {
  let address: Address;
  try {
    address = ipaddr.parse(ip);
  } catch {
    return `"${ip}" is not an IP address`;
  }
  if (isAllowListed(address, allow)) return null;
  const range = address.range();
  if (range === "unicast") return null;
  return `${address.toString()} is ${REFUSED_RANGES[range] ?? `in the ${range} range`}`;
}

function hostnameOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** Checks scheme and, for IP literals, the address; names are checked when connecting. */
export function assertWebhookUrl(raw: string, allow: AllowList): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid", `"${raw}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("invalid", "A webhook URL must start with http:// or https://");
  }
  if (url.username || url.password) throw new AppError("invalid", "Put credentials in headers, not in the URL");
  const host = hostnameOf(url);
  if (ipaddr.isValid(host)) {
    const refusal = refusalOf(host, allow);
    if (refusal) throw new AppError("invalid", `Webhook URL refused: ${refusal}`);
  } else if (host === "localhost" || host.endsWith(".localhost")) {
    const refusal = refusalOf("127.0.0.1", allow);
    if (refusal) throw new AppError("invalid", `Webhook URL refused: ${refusal}`);
  }
  return url;
}

/** A `lookup` for http(s) requests that fails when any address the name resolves to is refused. */
export function guardedLookup(allow: AllowList): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 4);
      const refused = addresses.map((a) => refusalOf(a.address, allow)).find((r) => r !== null);
      if (refused || addresses.length === 0) {
        const error = Object.assign(new Error(`${hostname} resolves to a refused address: ${refused ?? "none"}`), {
          code: "EWEBHOOKREFUSED",
        });
        return callback(error, "", 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
