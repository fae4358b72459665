"use client";

/**
 * A modal dialog on the native <dialog> element: focus is trapped and restored by the
 * browser, Escape closes it, and the title names it for assistive technology.
 */
import { type ReactNode, useEffect, useId, useRef } from "react";
import { cn } from "@/lib/cn";

export interface DialogProps {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  /** Buttons, right-aligned at the bottom. */
  footer?: ReactNode;
  className?: string;
}

export function Dialog({ open, onClose, title, description, children, footer, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its panel) closes it.
        if (e.target === e.currentTarget) onClose();
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onClose();
        }
      }}
      className={cn(
        "m-auto w-full max-w-md rounded-card border border-border-strong bg-surface-2 p-0 text-fg shadow-2xl shadow-black/60",
        "backdrop:bg-black/60 backdrop:backdrop-blur-[2px]",
        className,
      )}
    >
      {open ? (
        <div className="space-y-4 p-5">
          <div className="space-y-1.5">
            <h2 id={titleId} className="font-semibold text-base text-fg tracking-tight">
              {title}
            </h2>
            {description ? (
              <div id={descriptionId} className="text-fg-muted text-sm">
                {description}
              </div>
            ) : null}
          </div>
          {children}
          {footer ? <div className="flex justify-end gap-2 pt-1">{footer}</div> : null}
        </div>
      ) : null}
    </dialog>
  );
}
