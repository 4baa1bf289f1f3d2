// The browser every e2e test drives: Debian's Chromium (apt package `chromium`, installed by
// .ci/run), launched through playwright-core without downloading a browser of its own.
import { type Browser, chromium } from 'playwright-core';

/** The viewport the page tests use unless they test another. */
export const desktopViewport = { width: 1280, height: 900 } as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium' });
}
