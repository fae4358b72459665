/** The qemu driver's one error type: a code for callers (commands map it), a message for people. */

export type VmErrorCode = "not_found" | "invalid" | "conflict" | "unavailable" | "failed" | "cancelled";

/** How far an operation is (0..1), a line for people, and structured detail (the command context's `progress`). */
export type OnProgress = (progress: number, message: string, data?: Record<string, unknown>) => void;

export class VmError extends Error {
  override readonly name = "VmError";
  constructor(
    readonly code: VmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
