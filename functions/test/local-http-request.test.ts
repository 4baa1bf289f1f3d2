// The local host's cheap HttpRequest behaves like the library's for what handlers use.
import azf from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { LocalHttpRequest } from '../../local/host/local-http-request.js';

const init = {
  method: 'POST',
  url: 'http://127.0.0.1:7071/api/values/7?limit=5&x=%20y',
  headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
  params: { index: '7' },
};

function both(body = '{"index":7}') {
  const bytes = Buffer.from(body);
  return [
    new LocalHttpRequest({ ...init, query: new URLSearchParams('limit=5&x=%20y'), body: bytes }),
    new azf.HttpRequest({ ...init, query: { limit: '5', x: ' y' }, body: { bytes } }),
  ] as const;
}

describe('LocalHttpRequest', () => {
  it('answers method, url, headers, query and params as the library does', () => {
    const [local, library] = both();
    expect(local.method).toBe(library.method);
    expect(local.url).toBe(library.url);
    expect(Object.fromEntries(local.headers.entries())).toEqual(Object.fromEntries(library.headers.entries()));
    expect(Object.fromEntries(local.query.entries())).toEqual(Object.fromEntries(library.query.entries()));
    expect(local.params).toEqual(library.params);
    expect(local.user).toEqual(library.user);
  });

  it('reads the body once, as text or JSON, and refuses a second read like the library', async () => {
    const [local, library] = both();
    expect(local.bodyUsed).toBe(false);
    expect(await local.json()).toEqual(await library.json());
    expect(local.bodyUsed).toBe(library.bodyUsed);
    await expect(local.text()).rejects.toThrow(TypeError);
    await expect(library.text()).rejects.toThrow(TypeError);
    const [emptyLocal, emptyLibrary] = both('');
    await expect(emptyLocal.json()).rejects.toThrow(SyntaxError);
    await expect(emptyLibrary.json()).rejects.toThrow(SyntaxError);
  });

  it('falls back to the library for the rest (clone, blob)', async () => {
    const [local] = both();
    expect(await local.clone().text()).toBe('{"index":7}');
    expect(await (await local.blob()).text()).toBe('{"index":7}');
  });
});
