// `npm run engines`: builds the real engines into their cache (if not there yet) and prints
// their versions and paths; `npm run cluster` does the same on its way up. With --if-go (npm test)
// a machine without Go is told plainly that the real-engine tests will not run, and passes.
import { parseArgs } from 'node:util';

import { errorMessage } from '../../functions/src/errors.js';
import { engineCacheRoot, ensureEngines, findGo, realEnginesSkipped } from './engines.js';

const { values } = parseArgs({ options: { 'if-go': { type: 'boolean', default: false } } });
const started = Date.now();
let skipped = false;
try {
  skipped = realEnginesSkipped();
} catch (error) {
  console.error(`engines: ${errorMessage(error)}`);
  process.exit(1);
}
if (values['if-go'] && skipped) {
  console.log(
    'engines: REAL_ENGINES=skip, so the real-engine tests (real kube-apiserver admission, real KEDA scaling) will NOT run.',
  );
} else if (values['if-go'] && !(await findGo())) {
  console.log(
    'engines: Go not found, so the real-engine tests (real kube-apiserver admission, real KEDA scaling) will NOT run; install Go 1.26+ to run them.',
  );
} else {
  console.log(`engines: cache ${engineCacheRoot()}`);
  try {
    const engines = await ensureEngines({ log: (message) => console.log(`engines: ${message}`) });
    for (const line of engines.versions) console.log(`engines: ${line}`);
    console.log(`engines: ready after ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (error) {
    console.error(`engines: ${errorMessage(error)}`);
    // Under npm test the real-engine tests then fail with this reason; the others still run.
    if (!values['if-go']) process.exitCode = 1;
  }
}
