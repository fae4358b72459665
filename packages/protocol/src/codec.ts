/** Decoding of raw WebSocket messages into validated frames, with errors a peer can be sent. */
import type { z } from "zod";
import { type AgentFrame, agentFrameSchema, type ServerFrame, serverFrameSchema } from "./frames.js";
import { plainlyValidMetricsFrame } from "./sample-check.js";

export type DecodeResult<T> =
  | { ok: true; frame: T }
  | { ok: false; error: { code: "invalid_frame"; message: string; ref?: string } };

function decodeWith<T>(schema: z.ZodType<T>, raw: string, plainlyValid?: (value: unknown) => boolean): DecodeResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: "invalid_frame", message: "frame is not valid JSON" } };
  }
  // The common frame that a plain check proves valid skips the schema's copy of every field.
  if (plainlyValid?.(value)) return { ok: true, frame: value as T };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const ref = refOf(value);
  const message = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(frame)"}: ${i.message}`)
    .join("; ");
  return { ok: false, error: { code: "invalid_frame", message, ...(ref ? { ref } : {}) } };
}

/**
 * What an invalid frame's error refers to. A metrics batch is named by its seq, so the agent
 * can drop exactly the batch that can never be stored instead of resending it forever.
 */
function refOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || !("type" in value)) return undefined;
  const frame = value as { type: unknown; seq?: unknown };
  if (frame.type === "metrics" && Number.isSafeInteger(frame.seq) && (frame.seq as number) > 0) {
    return String(frame.seq);
  }
  return String(frame.type).slice(0, 64);
}

export const decodeAgentFrame = (raw: string): DecodeResult<AgentFrame> =>
  decodeWith(agentFrameSchema, raw, plainlyValidMetricsFrame);
export const decodeServerFrame = (raw: string): DecodeResult<ServerFrame> => decodeWith(serverFrameSchema, raw);
