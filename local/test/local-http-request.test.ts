// The local host's cheap HttpRequest behaves like the library's for what handlers use.
import azf from '@azure/functions';
import { describe, expect, it } from 'vitest';

import { LocalHttpRequest, ParsedHeaders } from '../host/local-http-request.js';

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

describe('ParsedHeaders', () => {
  const record = { 'content-type': 'application/json', 'x-forwarded-host': 'fib.example', cookie: 'a=1; b=2' };
  const pair = () => [new ParsedHeaders(record), new Headers(record)] as const;

  it('is a fetch Headers that reads names case-insensitively, as Headers does', () => {
    const [parsed, real] = pair();
    expect(parsed).toBeInstanceOf(Headers);
    for (const name of ['Content-Type', 'x-forwarded-host', 'COOKIE', 'origin', 'constructor']) {
      expect(parsed.get(name), name).toBe(real.get(name));
      expect(parsed.has(name), name).toBe(real.has(name));
    }
    expect(() => parsed.get('bad name')).toThrow(TypeError);
    expect(() => real.get('bad name')).toThrow(TypeError);
  });

  it('iterates, copies and spreads to the same entries as Headers', () => {
    const [parsed, real] = pair();
    expect([...parsed]).toEqual([...real]);
    expect([...parsed.keys()]).toEqual([...real.keys()]);
    expect([...parsed.values()]).toEqual([...real.values()]);
    expect(Object.fromEntries(new Headers(parsed))).toEqual(Object.fromEntries(real));
    const seen: string[] = [];
    parsed.forEach((value, name, parent) => {
      expect(parent).toBe(parsed);
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual([...real].map(([name, value]) => `${name}=${value}`));
  });

  it('takes changes like Headers and leaves the record it was built from alone', () => {
    const [parsed, real] = pair();
    for (const headers of [parsed, real]) {
      headers.append('Vary', 'Origin');
      headers.set('content-type', 'text/plain');
      headers.delete('cookie');
    }
    expect([...parsed]).toEqual([...real]);
    expect(parsed.get('content-type')).toBe('text/plain');
    expect(parsed.has('cookie')).toBe(false);
    expect(record['content-type']).toBe('application/json');
    expect(parsed.getSetCookie()).toEqual([]);
  });
});
