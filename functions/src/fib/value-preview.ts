// Shortens huge decimal values for lists: the head, the tail and the digit count.

/** Values longer than this many characters are shortened in lists. */
export const previewThreshold = 60;

/** "12345678901234567890…09876543210987654321 (208988 digits)" for long values; short ones as they are. */
export function previewValue(value: string): string {
  if (value.length <= previewThreshold) return value;
  return `${value.slice(0, 20)}…${value.slice(-20)} (${value.length} digits)`;
}
