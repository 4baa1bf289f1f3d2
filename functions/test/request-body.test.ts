// POST /api/values reads its body with a cap: under the real host up to
// FUNCTIONS_REQUEST_BODY_SIZE_LIMIT (100 MB by default) reaches the function, so it must not read
// a large body whole before checking its size.
import type { HttpRequest } from '@azure/functions';
import azf from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { LocalHttpRequest } from '../../local/host/local-http-request.js';
import { loadConfig } from '../src/config.js';
import { createFunctionApp } from '../src/function-app.js';
import { submitValue } from '../src/functions/submit-value.js';
import { readBodyText } from '../src/http/request-body.js';

/** A request whose body is produced lazily, 64 KiB a pull, up to `totalBytes`; counts what was pulled. */
function streamingRequest(totalBytes: number, headers: Record<string, string> = {}) {
  const seen = { pulledBytes: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const size = Math.min(64 * 1024, totalBytes - seen.pulledBytes);
        if (size <= 0) return controller.close();
        seen.pulledBytes += size;
        controller.enqueue(new Uint8Array(size).fill(32));
      },
    },
    { highWaterMark: 0 },
  );
  const request = { method: 'POST', headers: new Headers({ 'content-type': 'application/json', ...headers }), body };
  return { request: request as unknown as HttpRequest, seen };
}

describe('capped body reads', () => {
  it('stops reading a 50 MB body soon after the cap and answers 413 JSON from submit-value', async () => {
    const app = createFunctionApp(loadConfig({}));
    const { request, seen } = streamingRequest(50 * 1024 * 1024);
    const context = new azf.InvocationContext({ functionName: 'submit-value', logHandler: () => undefined });
    const answer = await submitValue(request, context, app);
    expect(answer.status).toBe(413);
    expect(answer.jsonBody).toEqual({ error: expect.stringContaining('10000 bytes') });
    expect(seen.pulledBytes).toBeLessThanOrEqual(3 * 64 * 1024);
  });

  it('refuses a declared Content-Length over the cap without reading anything', async () => {
    const { request, seen } = streamingRequest(1024 * 1024, { 'content-length': String(1024 * 1024) });
    expect(await readBodyText(request, 10_000)).toEqual({ ok: false, tooLarge: true });
    expect(seen.pulledBytes).toBe(0);
  });

  it('reads a body within the cap whole, byte-exact (UTF-8), from the local host and the library alike', async () => {
    const text = '{"index": 7, "note": "ünïcödé"}';
    const init = { method: 'POST', url: 'http://127.0.0.1/api/values', headers: {}, params: {} };
    const local = new LocalHttpRequest({ ...init, query: new URLSearchParams(), body: Buffer.from(text) });
    const library = new azf.HttpRequest({ ...init, body: { string: text } });
    expect(await readBodyText(local, 10_000)).toEqual({ ok: true, text });
    expect(await readBodyText(library, 10_000)).toEqual({ ok: true, text });
    const again = new LocalHttpRequest({ ...init, query: new URLSearchParams(), body: Buffer.from(text) });
    expect(await readBodyText(again, 10)).toEqual({ ok: false, tooLarge: true });
  });
});
