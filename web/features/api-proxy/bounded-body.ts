// Reads a request body up to a byte limit, chunk by chunk: a larger body is refused as soon as
// its Content-Length or its bytes so far pass the limit, never read whole into memory.

/** The body read in full, or `tooLarge` with nothing kept. */
export type BoundedBody = { tooLarge: false; body: Uint8Array<ArrayBuffer> } | { tooLarge: true };

/**
 * Reads `request`'s body if it has at most `maxBytes` bytes.
 *
 * On `tooLarge` the stream is left unread rather than cancelled: cancelling the body of a
 * Node server request destroys its socket (IncomingMessage._destroy), and the client would get
 * a reset instead of the 413.
 */
export async function readBoundedBody(request: Request, maxBytes: number): Promise<BoundedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return { tooLarge: true };
  if (!request.body) return { tooLarge: false, body: new Uint8Array(0) };

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) return { tooLarge: true };
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }

  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { tooLarge: false, body };
}
