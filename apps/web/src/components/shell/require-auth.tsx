"use client";

/**
 * Gate for every signed-in page: asks the server who the caller is and sends anyone
 * without a session to /login, remembering where they were going.
 */
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { createContext, type ReactNode, useContext, useEffect } from "react";
import type { Me } from "@/lib/api-types";
import { isUnauthorized, useTRPC } from "@/lib/trpc";
import { LogoMark } from "./logo";

const MeContext = createContext<Me | null>(null);

/** The signed-in user, their organisation and role. Only valid under <RequireAuth>. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe must be used under <RequireAuth>");
  return me;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
  const signedOut = me.data === null || (me.isError && isUnauthorized(me.error));

  useEffect(() => {
    if (signedOut) {
      const next = pathname && pathname !== "/" ? `?next=${encodeURIComponent(pathname)}` : "";
      router.replace(`/login${next}`);
    }
  }, [signedOut, pathname, router]);

  if (me.data) return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;

  if (me.isError && !signedOut) {
    return (
      <div className="flex min-h-dvh flex-col items-center justify-center gap-3 text-center">
        <LogoMark />
        <p className="text-fg text-sm">Cannot reach the Flotilla server.</p>
        <button type="button" className="text-accent text-sm underline" onClick={() => me.refetch()}>
          Try again
        </button>
      </div>
    );
  }

  return (
    <div className="flex min-h-dvh items-center justify-center" aria-busy="true">
      <LogoMark className="size-8 animate-pulse" />
      <span className="sr-only">Loading…</span>
    </div>
  );
}
