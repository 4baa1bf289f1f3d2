// `npm run engines`: builds the real engines into their cache (if not there yet) and prints
// their versions and paths; `npm run cluster` does the same on its way up.
import { engineCacheRoot, ensureEngines } from './engines.js';

const started = Date.now();
console.log(`engines: cache ${engineCacheRoot()}`);
try {
  const engines = await ensureEngines({ log: (message) => console.log(`engines: ${message}`) });
  for (const line of engines.versions) console.log(`engines: ${line}`);
  console.log(`engines: ready after ${Math.round((Date.now() - started) / 1000)} s`);
} catch (error) {
  console.error(`engines: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
