"use client";

/**
 * A piece of page state kept in the URL's query string (chart range, open tab), so a page can
 * be shared as it is seen. The default value is left out of the URL. Needs a Suspense
 * boundary above it (Next's useSearchParams).
 */
import { useSearchParams } from "next/navigation";
import { useState } from "react";

export function useSearchParam<V extends string>(
  name: string,
  allowed: readonly V[],
  fallback: V,
): [V, (next: V) => void] {
  const params = useSearchParams();
  const [value, setValue] = useState<V>(() => {
    const raw = params.get(name);
    return allowed.find((v) => v === raw) ?? fallback;
  });
  const change = (next: V) => {
    setValue(next);
    // replaceState, not a navigation: nothing refetches and Back leaves the page.
    const search = new URLSearchParams(window.location.search);
    if (next === fallback) search.delete(name);
    else search.set(name, next);
    const query = search.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  };
  return [value, change];
}
