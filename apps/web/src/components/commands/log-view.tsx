"use client";

/**
 * A monospace view of many log lines: only the rows on screen are rendered (fixed row
 * height), it sticks to the newest line unless the reader scrolls up, and keeps what they are
 * reading in place while old lines drop off the top. stderr lines are marked and coloured.
 */
import { ArrowDownToLine } from "lucide-react";
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import type { LogLine } from "@/lib/log-lines";

const ROW_PX = 18;
const OVERSCAN = 20;

function highlight(text: string, query: string): ReactNode {
  const q = query.trim().toLowerCase();
  if (!q) return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(q); at !== -1; at = lower.indexOf(q, from)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(
      <mark key={at} className="rounded-sm bg-warn/30 text-fg">
        {text.slice(at, at + q.length)}
      </mark>,
    );
    from = at + q.length;
  }
  parts.push(text.slice(from));
  return parts;
}

function shortStamp(line: LogLine): string {
  if (line.ts === null) return "";
  const d = new Date(line.ts);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export interface LogViewProps {
  lines: readonly LogLine[];
  label: string;
  query?: string;
  showTimestamps?: boolean;
  empty?: ReactNode;
  className?: string;
  testId?: string;
}

export function LogView({ lines, label, query = "", showTimestamps = false, empty, className, testId }: LogViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [atBottom, setAtBottom] = useState(true);
  const stick = useRef(true);
  const previous = useRef<readonly LogLine[]>(lines);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // After new lines: follow the bottom, or keep the rows being read where they are.
  useLayoutEffect(() => {
    const el = ref.current;
    const before = previous.current;
    previous.current = lines;
    if (!el) return;
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
    } else if (before.length > 0 && lines.length > 0 && before !== lines) {
      const firstNow = lines[0]?.seq;
      const gone = before.findIndex((l) => l.seq === firstNow);
      if (gone > 0) el.scrollTop = Math.max(0, el.scrollTop - gone * ROW_PX);
    }
    setScrollTop(el.scrollTop);
  }, [lines]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const bottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_PX;
    stick.current = bottom;
    setAtBottom(bottom);
    setScrollTop(el.scrollTop);
  };

  const jumpToLatest = () => {
    const el = ref.current;
    if (!el) return;
    stick.current = true;
    setAtBottom(true);
    el.scrollTop = el.scrollHeight;
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((scrollTop + height) / ROW_PX) + OVERSCAN);
  const visible = lines.slice(first, last);

  return (
    <div className={cn("relative", className)}>
      <div
        ref={ref}
        role="log"
        aria-label={label}
        aria-live="off"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the reader scrolls it with the keyboard.
        tabIndex={0}
        onScroll={onScroll}
        data-testid={testId}
        data-line-count={lines.length}
        className="h-full overflow-auto rounded-md border border-border bg-canvas font-mono text-[12px] focus-visible:outline-offset-0"
      >
        {lines.length === 0 ? (
          <div className="flex h-full items-center justify-center p-6 text-center font-sans text-fg-subtle text-sm">
            {empty ?? "No lines yet."}
          </div>
        ) : (
          <div className="relative min-w-full" style={{ height: lines.length * ROW_PX }}>
            {visible.map((line, i) => (
              <div
                key={line.seq}
                data-stream={line.stream}
                className={cn(
                  "absolute left-0 flex min-w-full whitespace-pre border-l-2 pr-3 pl-2",
                  line.stream === "stderr"
                    ? "border-danger/70 bg-danger/5 text-danger"
                    : "border-transparent text-fg-muted",
                )}
                style={{ top: (first + i) * ROW_PX, height: ROW_PX, lineHeight: `${ROW_PX}px` }}
              >
                {showTimestamps && line.ts !== null ? (
                  <span className="mr-3 select-none text-fg-subtle" title={line.stamp ?? undefined}>
                    {shortStamp(line)}
                  </span>
                ) : null}
                {line.stream === "stderr" ? <span className="sr-only">stderr: </span> : null}
                <span className={line.stream === "stdout" ? "text-fg" : undefined}>{highlight(line.text, query)}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      {!atBottom && lines.length > 0 ? (
        <button
          type="button"
          onClick={jumpToLatest}
          className="absolute right-4 bottom-3 inline-flex items-center gap-1.5 rounded-full border border-border-strong bg-surface-3 px-3 py-1 font-medium text-fg text-xs shadow-black/40 shadow-lg hover:bg-surface-2"
        >
          <ArrowDownToLine aria-hidden className="size-3.5" />
          Jump to latest
        </button>
      ) : null}
    </div>
  );
}
