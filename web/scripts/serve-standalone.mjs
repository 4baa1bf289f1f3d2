// `npm run start` (and the web image's command): serves the standalone build as the container
// does, with the server limits of harden-http-server.mjs, after putting the static assets where
// the standalone server looks for them.
// Next's standalone output leaves .next/static and public/ for the deployer to copy:
// https://nextjs.org/docs/app/api-reference/config/next-config-js/output#automatically-copying-traced-files
import { cpSync, existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { installServerLimits } from './harden-http-server.mjs';
import { readWebSettings } from './web-settings.mjs';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
// In the image this script sits beside server.js (web/scripts/ inside the standalone tree, static
// assets already copied there); in a checkout the build is under .next/standalone/web.
const insideStandalone = existsSync(join(web, 'server.js'));
const standalone = insideStandalone ? web : join(web, '.next', 'standalone', 'web');
const server = join(standalone, 'server.js');

if (!existsSync(server)) {
  console.error(`[web] ${server} is missing: run "npm run build --workspace web" first.`);
  process.exit(1);
}

if (!insideStandalone) {
  cpSync(join(web, '.next', 'static'), join(standalone, '.next', 'static'), { recursive: true });
  if (existsSync(join(web, 'public'))) cpSync(join(web, 'public'), join(standalone, 'public'), { recursive: true });
}

// The standalone server binds to $HOSTNAME, which many shells and containers set to the machine's
// name; only an address or "localhost" is taken as a bind address, anything else means all interfaces.
const host = process.env.HOSTNAME;
process.env.HOSTNAME = host && (isIP(host) !== 0 || host === 'localhost') ? host : '0.0.0.0';
process.env.PORT ??= '3000';

// Every web setting is checked before the server starts: a bad one stops it here with a message
// naming the variable, rather than surfacing at the first request.
let settings;
try {
  settings = readWebSettings(process.env);
} catch (error) {
  console.error(`[web] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
installServerLimits(settings.serverLimits);

await import(server);
