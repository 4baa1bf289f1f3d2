// The local host's settings (local/host/host-settings.ts): its own flag is refused when bad, naming
// it; the Functions host's settings it emulates keep the real host's fallback but are named in a
// warning instead of being ignored silently.
import { describe, expect, it } from 'vitest';

import { hostDefaultMaxBodyBytes, HostSettingsError, loadHostSettings } from '../host/host-settings.js';

describe('local host settings', () => {
  it('runs the forgiving trigger, the 100 MB body limit and no forwarded-header trust by default', () => {
    expect(loadHostSettings({})).toEqual({
      strictTrigger: false,
      maxBodyBytes: hostDefaultMaxBodyBytes,
      trustForwardedHeaders: false,
      warnings: [],
    });
  });

  it('reads LOCAL_HOST_STRICT_TRIGGER as 1/true or 0/false and refuses anything else, naming it', () => {
    expect(loadHostSettings({ LOCAL_HOST_STRICT_TRIGGER: '1' }).strictTrigger).toBe(true);
    expect(loadHostSettings({ LOCAL_HOST_STRICT_TRIGGER: 'true' }).strictTrigger).toBe(true);
    expect(loadHostSettings({ LOCAL_HOST_STRICT_TRIGGER: '0' }).strictTrigger).toBe(false);
    expect(() => loadHostSettings({ LOCAL_HOST_STRICT_TRIGGER: 'yes' })).toThrow(HostSettingsError);
    expect(() => loadHostSettings({ LOCAL_HOST_STRICT_TRIGGER: 'yes' })).toThrow('LOCAL_HOST_STRICT_TRIGGER: must be 1 or 0');
  });

  it("keeps the real host's fallback for a FUNCTIONS_REQUEST_BODY_SIZE_LIMIT it cannot parse, and names it in a warning", () => {
    expect(loadHostSettings({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '65536' })).toMatchObject({
      maxBodyBytes: 65_536,
      warnings: [],
    });
    const settings = loadHostSettings({ FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '64k' });
    expect(settings.maxBodyBytes).toBe(hostDefaultMaxBodyBytes);
    expect(settings.warnings).toEqual([expect.stringContaining('FUNCTIONS_REQUEST_BODY_SIZE_LIMIT="64k"') as unknown]);
  });

  it('trusts X-Forwarded-For only for ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (any case), naming any other word', () => {
    expect(loadHostSettings({ ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'True' }).trustForwardedHeaders).toBe(true);
    expect(loadHostSettings({ ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'false' })).toMatchObject({
      trustForwardedHeaders: false,
      warnings: [],
    });
    const settings = loadHostSettings({ ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'yes' });
    expect(settings.trustForwardedHeaders).toBe(false);
    expect(settings.warnings).toEqual([expect.stringContaining('ASPNETCORE_FORWARDEDHEADERS_ENABLED="yes"') as unknown]);
  });
});
