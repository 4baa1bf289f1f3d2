// The message of anything thrown, for the page (one helper, as functions/src/errors.ts is for the
// server side; lint keeps the `x instanceof Error ? x.message : String(x)` copies out).

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
