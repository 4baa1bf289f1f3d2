// Reads a request body with a cap: never more than the cap (plus one chunk) is held, and a
// declared Content-Length over it is refused before anything is read. Under the real host the
// body limit is FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (100 MB by default), far above what a function
// here takes, so each function bounds its own read.
import type { HttpRequest } from '@azure/functions';

/** The body as UTF-8 text, or `tooLarge` once it passes `maxBytes`. */
export type CappedBody = { ok: true; text: string } | { ok: false; tooLarge: true };

/** Reads at most `maxBytes` of `request`'s body; stops reading (and cancels the stream) past it. */
export async function readBodyText(request: Pick<HttpRequest, 'headers' | 'body'>, maxBytes: number): Promise<CappedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) return { ok: false, tooLarge: true };
  const body = request.body;
  if (!body) return { ok: true, text: '' };
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, tooLarge: true };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
