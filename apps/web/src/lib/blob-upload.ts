/**
 * Uploads a build context to `POST /api/blobs` and returns the reference an image.build
 * command takes. The endpoint wants the raw tar (application/x-tar, not JSON or a form) from
 * a same-origin page, with the session cookie.
 */
export interface BlobRef {
  blobId: string;
  sha256: string;
  size: number;
}

export async function uploadBuildContext(tar: Uint8Array, signal?: AbortSignal): Promise<BlobRef> {
  let response: Response;
  try {
    response = await fetch("/api/blobs", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/x-tar" },
      body: new Blob([tar as Uint8Array<ArrayBuffer>], { type: "application/x-tar" }),
      ...(signal ? { signal } : {}),
    });
  } catch {
    throw new Error("Cannot reach the Flotilla server to upload the build context. Check that it is running.");
  }
  const body = (await response.json().catch(() => null)) as
    | (Partial<BlobRef> & { error?: { message?: string } })
    | null;
  if (!response.ok) {
    const reason = body?.error?.message ?? `the server answered ${response.status}`;
    throw new Error(`Uploading the build context failed: ${reason}`);
  }
  if (!body?.blobId || !body.sha256 || typeof body.size !== "number") {
    throw new Error("Uploading the build context failed: the server's answer was not understood.");
  }
  return { blobId: body.blobId, sha256: body.sha256, size: body.size };
}
