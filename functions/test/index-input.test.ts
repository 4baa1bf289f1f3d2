import { describe, expect, it } from 'vitest';

import { checkIndex, checkSubmissionBody } from '../src/validation/index-input.js';

const maxIndex = 1000;

describe('checkSubmissionBody', () => {
  it.each([
    ['{"index": 12}', 12],
    ['{"index": "12"}', 12],
    ['{"index": 0}', 0],
    ['{"index": "0"}', 0],
    ['{"index": "007"}', 7],
    ['{"index": 1000}', 1000],
    ['{"index": 7, "extra": true}', 7],
  ])('accepts %s as index %d in canonical form', (body, index) => {
    expect(checkSubmissionBody(body, maxIndex)).toEqual({ ok: true, index, key: String(index) });
  });

  it.each([
    ['', 'missing body'],
    ['   ', 'blank body'],
    ['{', 'malformed JSON'],
    ['{}', '{}'],
    ['null', 'null'],
    ['"abc"', 'a bare string'],
    ['["5"]', 'an array'],
    ['{"a":1}', 'no index field'],
    ['{"index": null}', 'null index'],
    ['{"index": "abc"}', '"abc"'],
    ['{"index": "1.5"}', '"1.5"'],
    ['{"index": 1.5}', '1.5'],
    ['{"index": "1e9"}', '"1e9"'],
    ['{"index": ""}', '""'],
    ['{"index": ["5"]}', '["5"]'],
    ['{"index": {"a":1}}', '{"a":1}'],
    ['{"index": "5abc"}', '"5abc"'],
    ['{"index": " 7"}', '" 7"'],
    ['{"index": "+7"}', '"+7"'],
    ['{"index": "-0"}', '"-0": a sign on zero, like "+7"'],
    ['{"index": "-000"}', '"-000"'],
    ['{"index": -0}', '-0'],
    ['{"index": true}', 'true'],
  ])('rejects %s (%s) with 400 and a message', (body) => {
    const result = checkSubmissionBody(body, maxIndex);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.status).toBe(400);
      expect(result.error.length).toBeGreaterThan(10);
    }
  });

  it.each([
    ['{"index": -1}'],
    ['{"index": "-3"}'],
    ['{"index": 1001}'],
    ['{"index": 1e9}'],
    ['{"index": "99999999999999999999999"}'],
  ])('rejects out-of-range %s with 422 naming the limit', (body) => {
    const result = checkSubmissionBody(body, maxIndex);
    expect(result).toMatchObject({ ok: false, status: 422 });
    if (!result.ok) expect(result.error).toContain('1,000');
  });
});

describe('checkIndex', () => {
  it('takes the JSON-parsed list entry the worker receives (42 arrives as a number)', () => {
    expect(checkIndex(42, maxIndex)).toEqual({ ok: true, index: 42, key: '42' });
    expect(checkIndex('42', maxIndex)).toEqual({ ok: true, index: 42, key: '42' });
  });
});
