// A bad setting, under the local host as under the real one: whatever the app's entry throws at
// start (a setting that fails validation, an unknown function name), the app does not load, the
// host stays up with no functions and answers its plain 404 (no process exit, so on AKS the api
// pod goes NotReady while its TCP liveness still passes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type HostProcess, startHostProcess } from './support/host-process.js';

describe('local host with a bad setting', () => {
  let host: HostProcess;
  beforeAll(async () => {
    // No Redis or Postgres is needed: the app never gets as far as opening them.
    host = await startHostProcess({ MAX_INDEX: 'lots', AzureFunctionsJobHost__functions__0: 'health' });
  }, 40_000);
  afterAll(() => host.stop());

  it('stays up, names the bad setting in its log and serves no function: every route is a bodiless 404', async () => {
    expect(host.output()).toMatch(/MAX_INDEX: must be a whole number/);
    for (const path of ['/api/health', '/api/values/current', '/api/events']) {
      const response = await fetch(`${host.baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe('');
    }
  });
});

describe('local host with an unknown name in AzureFunctionsJobHost__functions__N', () => {
  let host: HostProcess;
  beforeAll(async () => {
    // The settings are valid; startSelected throws a plain Error (not a ConfigError) for the name.
    host = await startHostProcess({
      AzureFunctionsJobHost__functions__0: 'health',
      AzureFunctionsJobHost__functions__1: 'no-such-function',
    });
  }, 40_000);
  afterAll(() => host.stop());

  it('stays up, names the unknown function in its log and serves no function: every route is a bodiless 404', async () => {
    expect(host.output()).toMatch(/unknown functions: no-such-function/);
    for (const path of ['/api/health', '/api/values/current']) {
      const response = await fetch(`${host.baseUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe('');
    }
  });
});
