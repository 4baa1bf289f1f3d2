// Per-test setup: Testing Library's DOM matchers and cleanup, the msw API mock, and a check that
// React reported no invalid HTML nesting (a <div> inside a <p> breaks hydration in a browser).
import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { EventSource as FetchEventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

import { server } from '../mocks/node';

// jsdom has no EventSource; this one runs on fetch, so msw answers /api/events like any request.
globalThis.EventSource ??= FetchEventSource as unknown as typeof EventSource;

// React only logs it ("In HTML, <div> cannot be a descendant of <p>", "<p> cannot contain a nested <ol>").
const invalidNesting: string[] = [];
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  if (/cannot be a descendant of|cannot contain a nested/.test(text)) invalidNesting.push(text);
  consoleError(...args);
};

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  expect(invalidNesting.splice(0), 'React reported invalid HTML nesting').toEqual([]);
});
afterAll(() => server.close());
