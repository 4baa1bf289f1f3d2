// Bounds a call by a deadline: every network call has one, and nothing waits forever.

/**
 * `promise`'s outcome when it settles within `ms`, else a rejection with
 * `Error('no answer within <ms> ms')`. The timer is cleared as soon as either side settles, so
 * it never holds the process open; a late rejection of `promise` is observed, never unhandled.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
