/**
 * What an image pull shows: the engine's status lines as output ("a1b2: Pulling fs layer",
 * "Digest: sha256:…"), and its many byte-count updates folded into one figure, so a pull of a
 * large image is a few dozen lines and a progress bar rather than thousands of lines.
 */
import type { EngineMessage } from "./json-stream.js";

/** A reference as the create-image endpoint takes it: the name, and the tag or digest separately. */
export function splitReference(reference: string): { fromImage: string; tag: string; registry?: string } {
  const at = reference.indexOf("@");
  const [name, tagOrDigest] = at >= 0 ? [reference.slice(0, at), reference.slice(at + 1)] : splitTag(reference);
  const first = name.split("/")[0] ?? "";
  // Like `docker pull`: the first component names a registry only with a dot, a port, or "localhost".
  const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return { fromImage: name, tag: tagOrDigest ?? "latest", ...(hasRegistry ? { registry: first } : {}) };
}

function splitTag(reference: string): [string, string | undefined] {
  const colon = reference.lastIndexOf(":");
  // A colon before the last "/" belongs to a registry's port, not to a tag.
  if (colon < 0 || colon < reference.lastIndexOf("/")) return [reference, undefined];
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}

/** Statuses that repeat with byte counts; shown as progress, not as lines. */
const BYTE_COUNT_STATUSES = new Set(["Downloading", "Extracting", "Pushing"]);

export class PullProgress {
  private readonly layers = new Map<string, { current: number; total: number }>();
  digest: string | undefined;

  /** The line to show for this message, or undefined when it only moves the byte count. */
  line(message: EngineMessage): string | undefined {
    const status = message.status?.trim();
    if (!status) return undefined;
    const digest = /^Digest: (\S+)/.exec(status)?.[1];
    if (digest) this.digest = digest;
    const detail = message.progressDetail;
    if (message.id && BYTE_COUNT_STATUSES.has(status) && detail?.total) {
      if (status === "Downloading") this.layers.set(message.id, { current: detail.current ?? 0, total: detail.total });
      return undefined;
    }
    if (message.id && status === "Download complete") {
      const layer = this.layers.get(message.id);
      if (layer) layer.current = layer.total;
    }
    return message.id && !status.includes(message.id) ? `${message.id}: ${status}` : status;
  }

  /** Bytes downloaded over bytes known so far (0..1), or undefined before any size is known. */
  fraction(): number | undefined {
    const { current, total } = this.totals();
    return total > 0 ? current / total : undefined;
  }

  summary(): string {
    const { current, total } = this.totals();
    return `downloaded ${megabytes(current)} of ${megabytes(total)} MB`;
  }

  private totals(): { current: number; total: number } {
    let current = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      current += Math.min(layer.current, layer.total);
      total += layer.total;
    }
    return { current, total };
  }
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
