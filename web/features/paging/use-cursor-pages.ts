// Page position in a newest-first, cursor-paged list: a stack of "before" cursors.
'use client';

import { useCallback, useState } from 'react';

/** Where the reader is: page 1 is the newest; `before` is the cursor to request. */
export interface CursorPages {
  page: number;
  before: string | null;
  /** Goes one page older, given the current page's `next` cursor. */
  older: (next: string) => void;
  newer: () => void;
  first: () => void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const older = useCallback((next: string) => setCursors((stack) => [...stack, next]), []);
  const newer = useCallback(() => setCursors((stack) => (stack.length > 1 ? stack.slice(0, -1) : stack)), []);
  const first = useCallback(() => setCursors((stack) => (stack.length > 1 ? [null] : stack)), []);
  return { page: cursors.length, before: cursors[cursors.length - 1] ?? null, older, newer, first };
}
