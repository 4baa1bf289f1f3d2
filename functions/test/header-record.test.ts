// headerRecord: a handler's response headers, in any HeadersInit form, as the record the host writes.
import { describe, expect, it } from 'vitest';

import { headerRecord } from '../src/http/header-record.js';

describe('headerRecord', () => {
  it('reads a plain object, a Headers object and a list of pairs alike, names lower-cased', () => {
    const expected = { 'content-type': 'application/json', 'retry-after': '1' };
    expect({ ...headerRecord({ 'Content-Type': 'application/json', 'Retry-After': '1' }) }).toEqual(expected);
    expect({ ...headerRecord(new Headers({ 'Content-Type': 'application/json', 'Retry-After': '1' })) }).toEqual(expected);
    expect({
      ...headerRecord([
        ['Content-Type', 'application/json'],
        ['Retry-After', '1'],
      ]),
    }).toEqual(expected);
    expect({ ...headerRecord(undefined) }).toEqual({});
  });

  it('joins a repeated name and keeps a header named __proto__ as a header', () => {
    const record = headerRecord([
      ['Vary', 'Accept'],
      ['vary', 'Origin'],
      ['__proto__', 'x'],
    ]);
    expect(record.vary).toBe('Accept, Origin');
    expect(Object.hasOwn(record, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(record)).toBeNull();
  });
});
