// Parses paging parameters (`limit`, `before`) with clear 400 errors.
import { InvalidInputError } from '../errors.js';

/** A whole number in [1, max] from `?name=`, or `fallback` when absent. */
export function parseLimit(raw: string | null, fallback: number, max: number): number {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new InvalidInputError(`limit must be a whole number from 1 to ${max}`, 400);
  }
  return Number(raw);
}

/** A positive whole-number cursor from `?before=`, or undefined when absent. */
export function parseCursor(raw: string | null): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) {
    throw new InvalidInputError('before must be a positive whole number (the cursor from the previous page)', 400);
  }
  return Number(raw);
}
