// @vitest-environment node
// The web server's settings (web/scripts/web-settings.mjs): defaults, and a bad value refused with
// a message naming the variable, never replaced by a default.
import { describe, expect, it } from 'vitest';

import {
  defaultApiMaxBodyBytes,
  defaultApiTimeoutMs,
  defaultApiUrl,
  defaultServerLimits,
  readLocalRuntimeUrl,
  readProxySettings,
  readServerLimits,
  readWebSettings,
  WebSettingsError,
} from '../scripts/web-settings.mjs';

describe('web settings', () => {
  it('web settings: unset or empty variables take the documented defaults', () => {
    expect(readProxySettings({ API_URL: '', API_TIMEOUT_MS: '' })).toEqual({
      apiUrl: defaultApiUrl,
      apiTimeoutMs: defaultApiTimeoutMs,
      apiMaxBodyBytes: defaultApiMaxBodyBytes,
    });
    expect(readServerLimits({})).toEqual(defaultServerLimits);
    expect(readLocalRuntimeUrl({ LOCAL_RUNTIME_URL: ' ' })).toBeUndefined();
  });

  it('web settings: reads the /api proxy, the runtime address and the server limits, trailing slashes dropped', () => {
    expect(readProxySettings({ API_URL: 'http://api/', API_TIMEOUT_MS: '2500', API_MAX_BODY_BYTES: '1000' })).toEqual({
      apiUrl: 'http://api',
      apiTimeoutMs: 2500,
      apiMaxBodyBytes: 1000,
    });
    expect(readLocalRuntimeUrl({ LOCAL_RUNTIME_URL: 'http://127.0.0.1:7070/' })).toBe('http://127.0.0.1:7070');
    expect(
      readServerLimits({ WEB_HEADERS_TIMEOUT_MS: '2000', WEB_REQUEST_TIMEOUT_MS: '5000', WEB_IDLE_TIMEOUT_MS: '7000' }),
    ).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 5000, idleTimeoutMs: 7000 });
  });

  it.each([
    ['API_TIMEOUT_MS', '10s'],
    ['API_TIMEOUT_MS', '1.5'],
    ['API_TIMEOUT_MS', '0'],
    ['API_MAX_BODY_BYTES', '-1'],
    ['API_URL', 'api:7071'],
    ['LOCAL_RUNTIME_URL', 'ftp://runtime'],
    ['WEB_REQUEST_TIMEOUT_MS', 'soon'],
    ['WEB_IDLE_TIMEOUT_MS', '-1'],
  ])('web settings: refuses %s=%s with a message naming the variable and the value', (name, value) => {
    expect(() => readWebSettings({ [name]: value })).toThrow(WebSettingsError);
    expect(() => readWebSettings({ [name]: value })).toThrow(`${name}: must be`);
    expect(() => readWebSettings({ [name]: value })).toThrow(`"${value}"`);
  });

  it('web settings: names every bad variable in one message, and a header timeout above the request timeout', () => {
    expect(() => readWebSettings({ API_TIMEOUT_MS: 'x', WEB_IDLE_TIMEOUT_MS: 'y' })).toThrow(
      /API_TIMEOUT_MS: .*; WEB_IDLE_TIMEOUT_MS: /,
    );
    expect(() => readServerLimits({ WEB_HEADERS_TIMEOUT_MS: '9000', WEB_REQUEST_TIMEOUT_MS: '5000' })).toThrow(
      /WEB_HEADERS_TIMEOUT_MS \(9000\) must not exceed WEB_REQUEST_TIMEOUT_MS/,
    );
  });
});
