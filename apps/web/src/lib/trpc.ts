/**
 * The browser's tRPC client: one batched HTTP link to the custom server's /api/trpc
 * (same origin, session cookie), exposed to components through TanStack Query.
 */
import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/trpc/router";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live data arrives over Socket.IO; refetching on every focus would only fight it.
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => !isUnauthorized(error) && failureCount < 2,
      },
    },
  });
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

/** True when the server refused a call because the session is missing or expired. */
export function isUnauthorized(error: unknown): boolean {
  const data = (error as { data?: { code?: string } } | null)?.data;
  return data?.code === "UNAUTHORIZED";
}

/** A message fit to show a person, from a tRPC or network error. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) {
    if (error.message === "Failed to fetch") return "Cannot reach the Flotilla server. Check that it is running.";
    return error.message;
  }
  return "Something went wrong.";
}
