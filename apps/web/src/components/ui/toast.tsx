"use client";

/**
 * A corner of the screen for notes that belong to no layout: the outcome of an action started
 * from a table row. <ToastRegion> is placed once in the shell; <Toast> renders into it.
 */
import { type ReactNode, useEffect, useState } from "react";
import { createPortal } from "react-dom";

const REGION_ID = "flotilla-toasts";

export function ToastRegion() {
  return (
    <div
      id={REGION_ID}
      className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-96 max-w-[calc(100vw-2rem)] flex-col items-stretch gap-2"
    />
  );
}

export function Toast({ children }: { children: ReactNode }) {
  const [region, setRegion] = useState<HTMLElement | null>(null);
  useEffect(() => setRegion(document.getElementById(REGION_ID)), []);
  if (!region) return null;
  return createPortal(
    <div className="pointer-events-auto rounded-md shadow-black/50 shadow-xl">{children}</div>,
    region,
  );
}
