// Validates a submitted Fibonacci index; shared by the HTTP function and the web UI so both
// accept and refuse exactly the same input with the same messages.
// zod/mini: the same validation in a fraction of the bytes the web app ships to browsers.
import { z } from 'zod/mini';

/** A valid index in canonical form: `key` is its decimal string without leading zeros ("7"). */
export interface ValidIndex {
  ok: true;
  index: number;
  key: string;
}

/** Why an input was refused: 400 for malformed input, 422 for a well-formed index out of range. */
export interface InvalidIndex {
  ok: false;
  status: 400 | 422;
  error: string;
}

export type IndexCheck = ValidIndex | InvalidIndex;

export const malformedIndexMessage = 'index must be a whole number like 12, sent as a JSON number or a string of digits ("12")';

// The workshop client posts the text box as a string ({"index":"12"}), so digit strings are
// accepted as well as JSON integers. No spaces, decimals or exponents.
// Signs, one rule: an index never carries a sign. A sign that changes nothing is malformed (400):
// "+5", and "-0" / -0 alike. A minus on a non-zero number makes it negative, which is a
// well-formed number below the range (422), as for -5.
const indexSchema = z.union([
  z.number().check(z.refine((value) => Number.isInteger(value))),
  z.string().check(z.regex(/^-?\d+$/)),
]);

/** "-0", "-000" or the JSON number -0: zero with a sign. */
function isSignedZero(raw: string | number): boolean {
  return typeof raw === 'number' ? Object.is(raw, -0) : /^-0+$/.test(raw);
}

/** Formats the range message; `maxIndex` comes from the API's MAX_INDEX setting. */
export function outOfRangeMessage(maxIndex: number): string {
  return `index must be between 0 and ${maxIndex.toLocaleString('en-US')}`;
}

/** Checks one raw `index` value (a JSON number or string) against 0..maxIndex. */
export function checkIndex(raw: unknown, maxIndex: number): IndexCheck {
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success || isSignedZero(parsed.data)) {
    return { ok: false, status: 400, error: malformedIndexMessage };
  }
  // Compare as BigInt so "99999999999999999999" is out of range, not rounded.
  const value = typeof parsed.data === 'number' ? BigInt(parsed.data) : BigInt(parsed.data);
  if (value < 0n || value > BigInt(maxIndex)) {
    return { ok: false, status: 422, error: outOfRangeMessage(maxIndex) };
  }
  const index = Number(value);
  return { ok: true, index, key: String(index) };
}

/**
 * Checks a whole request body (`{"index": n}`) given as raw text, as the API receives it.
 * A missing body, malformed JSON or a body without `index` is a 400.
 */
export function checkSubmissionBody(bodyText: string, maxIndex: number): IndexCheck {
  if (bodyText.trim() === '') {
    return { ok: false, status: 400, error: 'request body is missing: send JSON like {"index": 12}' };
  }
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { ok: false, status: 400, error: 'request body is not valid JSON: send JSON like {"index": 12}' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('index' in body)) {
    return { ok: false, status: 400, error: 'request body must be a JSON object with an "index" field, like {"index": 12}' };
  }
  return checkIndex(body.index, maxIndex);
}
