/**
 * The browser's tRPC client: one batched HTTP link to the custom server's /api/trpc
 * (same origin, session cookie), exposed to components through TanStack Query.
 */
import { QueryCache, QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/trpc/router";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** tRPC's cache key for auth.me: path segments first (see @trpc/tanstack-react-query). */
const ME_PATH = ["auth", "me"];
const ME_KEY = [ME_PATH];

function isMeKey(key: readonly unknown[]): boolean {
  const path = key[0];
  return Array.isArray(path) && path.length === ME_PATH.length && path.every((p, i) => p === ME_PATH[i]);
}

export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    // A session that expired mid-use makes calls fail with UNAUTHORIZED: ask who we are again,
    // and the auth gate sends the person to the sign-in page.
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isUnauthorized(error) && !isMeKey(query.queryKey)) {
          void client.invalidateQueries({ queryKey: ME_KEY });
        }
      },
    }),
    defaultOptions: {
      queries: {
        // Live data arrives over Socket.IO; refetching on every focus would only fight it.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => isTransient(error) && failureCount < 2,
      },
    },
  });
  return client;
}

export function makeTRPCClient() {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "/api/trpc",
        // Same-origin requests carry the session cookie; the header marks them as coming
        // from the dashboard (a CSRF signal a cross-site form cannot forge).
        fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
        headers: () => ({ "x-flotilla-client": "web" }),
      }),
    ],
  });
}

/**
 * Cancels a command while the page is going away (tab closed, reload), when an ordinary
 * request may be cut off: a keepalive fetch outlives the page. Best effort; the command's
 * deadline ends it otherwise.
 */
export function cancelCommandOnUnload(id: string): void {
  void fetch("/api/trpc/commands.cancel", {
    method: "POST",
    keepalive: true,
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-flotilla-client": "web" },
    body: JSON.stringify({ id }),
  }).catch(() => {});
}

/** True when the server refused a call because the session is missing or expired. */
export function isUnauthorized(error: unknown): boolean {
  const data = (error as { data?: { code?: string } } | null)?.data;
  return data?.code === "UNAUTHORIZED";
}

/** Worth retrying: the network failed or the server had a passing problem, not a refusal. */
function isTransient(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
  return status === undefined || status >= 500;
}

/** A message fit to show a person, from a tRPC or network error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) {
    if (error.message === "Failed to fetch") return "Cannot reach the Flotilla server. Check that it is running.";
    return error.message;
  }
  return "Something went wrong.";
}
