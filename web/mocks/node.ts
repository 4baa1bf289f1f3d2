// The msw server the component tests run against (setupServer intercepts fetch in Node).
import { setupServer } from 'msw/node';

import { handlers } from './handlers';

export const server = setupServer(...handlers);
