// Per-test setup: Testing Library's DOM matchers and cleanup, and the msw API mock.
import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { EventSource as FetchEventSource } from 'eventsource';
import { afterAll, afterEach, beforeAll } from 'vitest';

import { server } from '../mocks/node';

// jsdom has no EventSource; this one runs on fetch, so msw answers /api/events like any request.
globalThis.EventSource ??= FetchEventSource as unknown as typeof EventSource;

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
});
afterAll(() => server.close());
