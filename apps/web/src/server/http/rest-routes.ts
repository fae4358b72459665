/**
 * The REST surface for automation: a few routes over hosts, workloads, commands and plans,
 * each one a thin alias of a tRPC procedure (so permissions, team scoping, CSRF and audit are
 * the same code). Authenticate with `Authorization: Bearer flt_...` (an API token).
 */

export interface RestRoute {
  method: "GET" | "POST";
  /** OpenAPI-style path: `{name}` segments are path parameters. */
  path: string;
  /** The tRPC procedure it calls. */
  procedure: string;
  summary: string;
  tag: "hosts" | "workloads" | "commands" | "plans";
}

export const REST_PREFIX = "/api/v1/";

export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: "GET",
    path: "/api/v1/hosts",
    procedure: "fleet.hosts",
    summary: "List the hosts you can see",
    tag: "hosts",
  },
  { method: "GET", path: "/api/v1/hosts/{id}", procedure: "fleet.host", summary: "One host", tag: "hosts" },
  {
    method: "GET",
    path: "/api/v1/hosts/{hostId}/workloads",
    procedure: "fleet.workloads",
    summary: "The VMs and containers of a host",
    tag: "workloads",
  },
  {
    method: "GET",
    path: "/api/v1/workloads/{id}",
    procedure: "fleet.workload",
    summary: "One workload",
    tag: "workloads",
  },
  {
    method: "GET",
    path: "/api/v1/commands",
    procedure: "commands.list",
    summary: "Recent commands (filter by hostId, state)",
    tag: "commands",
  },
  {
    method: "POST",
    path: "/api/v1/commands",
    procedure: "commands.request",
    summary: "Ask a host's agent to run a command",
    tag: "commands",
  },
  {
    method: "GET",
    path: "/api/v1/commands/{id}",
    procedure: "commands.get",
    summary: "One command and its progress",
    tag: "commands",
  },
  {
    method: "POST",
    path: "/api/v1/commands/{id}/cancel",
    procedure: "commands.cancel",
    summary: "Cancel a command that has not finished",
    tag: "commands",
  },
  { method: "GET", path: "/api/v1/plans", procedure: "plans.list", summary: "Consolidation plans", tag: "plans" },
  {
    method: "POST",
    path: "/api/v1/plans",
    procedure: "plans.create",
    summary: "Build a consolidation plan",
    tag: "plans",
  },
  { method: "GET", path: "/api/v1/plans/{id}", procedure: "plans.get", summary: "One plan", tag: "plans" },
  {
    method: "POST",
    path: "/api/v1/plans/{id}/approve",
    procedure: "plans.approve",
    summary: "Approve a plan: its moves start",
    tag: "plans",
  },
  {
    method: "POST",
    path: "/api/v1/plans/{id}/cancel",
    procedure: "plans.cancel",
    summary: "Cancel a plan",
    tag: "plans",
  },
];

/** The route and path parameters for a request, or null. */
export function matchRoute(
  method: string,
  pathname: string,
): { route: RestRoute; params: Record<string, string> } | { methodNotAllowed: true } | null {
  let pathMatched = false;
  for (const route of REST_ROUTES) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : null;
}

function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = pathname.replace(/\/+$/, "").split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const g = got[i] ?? "";
    if (w.startsWith("{") && w.endsWith("}")) {
      if (!g) return null;
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}
