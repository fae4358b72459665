/** Decoding of raw WebSocket messages into validated frames, with errors a peer can be sent. */
import type { z } from "zod";
import { type AgentFrame, agentFrameSchema, type ServerFrame, serverFrameSchema } from "./frames.js";

export type DecodeResult<T> =
  | { ok: true; frame: T }
  | { ok: false; error: { code: "invalid_frame"; message: string; ref?: string } };

function decodeWith<T>(schema: z.ZodType<T>, raw: string): DecodeResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: "invalid_frame", message: "frame is not valid JSON" } };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const ref =
    typeof value === "object" && value !== null && "type" in value
      ? String((value as { type: unknown }).type).slice(0, 64)
      : undefined;
  const message = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(frame)"}: ${i.message}`)
    .join("; ");
  return { ok: false, error: { code: "invalid_frame", message, ...(ref ? { ref } : {}) } };
}

export const decodeAgentFrame = (raw: string): DecodeResult<AgentFrame> => decodeWith(agentFrameSchema, raw);
export const decodeServerFrame = (raw: string): DecodeResult<ServerFrame> => decodeWith(serverFrameSchema, raw);
