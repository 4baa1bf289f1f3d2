// The route handlers' access to the web settings, whose rules live in web/scripts/web-settings.mjs
// (shared with the launcher, which refuses to start on a bad one). Next runs the handlers after
// start and they read per request, so a bad value that still reaches one (under `next dev`, or an
// environment changed after start) is logged once naming the variable, and the request gets a
// 500 saying only that the server is misconfigured.
import { WebSettingsError } from '@/scripts/web-settings.mjs';

/** What a client is told when a setting is bad (the log names it; the client gets no internals). */
export const misconfiguredMessage = 'the web server has a bad setting; its log names it';

const reported = new Set<string>();

/** `read(process.env)`, or the WebSettingsError it threw, logged once per distinct message. */
export function readSettings<T>(read: (env: NodeJS.ProcessEnv) => T): T | WebSettingsError {
  try {
    return read(process.env);
  } catch (error) {
    if (!(error instanceof WebSettingsError)) throw error;
    if (!reported.has(error.message)) {
      reported.add(error.message);
      console.error(`[web] ${error.message}`);
    }
    return error;
  }
}
