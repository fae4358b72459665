/**
 * CSRF defence for tRPC mutations (and the origin check for live connections). Browsers
 * cannot send `application/json` cross-site without a CORS preflight, which we never grant,
 * and any Origin they send must be ours.
 */

export interface OriginCheck {
  origin: string | undefined;
  host: string | undefined;
  /** Extra origins that are ours, e.g. the configured public URL behind a proxy. */
  trustedOrigins?: readonly string[];
}

/** Why the Origin is not ours, or null when it is (or when there is none, as from non-browser clients). */
export function originProblem({ origin, host, trustedOrigins = [] }: OriginCheck): string | null {
  if (origin === undefined) return null;
  if (trustedOrigins.includes(origin)) return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return "the Origin header is not a valid origin";
  }
  if (!host || originHost.toLowerCase() !== host.toLowerCase()) return "the request comes from another site";
  return null;
}

/** Returns why a mutation request is refused, or null when it may proceed. */
export function csrfProblem(request: OriginCheck & { contentType: string | undefined }): string | null {
  const mediaType = request.contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") return "mutations must be sent as application/json";
  return originProblem(request);
}
