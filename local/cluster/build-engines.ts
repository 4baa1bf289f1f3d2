// `npm run engines`: builds the real engines into their cache (if not there yet) and prints
// their versions and paths; `npm run cluster` does the same on its way up. With --if-go (npm test,
// .ci/run) a machine without Go is told plainly that the real-engine tests will not run, and
// passes. A failed build exits 1 (.ci/run stops there) unless --keep-going (npm test): then the
// failure is only recorded in the cache, the other suites run, and the two real-engine test files
// fail at once with the build's error instead of each building again.
import { parseArgs } from 'node:util';

import { errorMessage } from '../../functions/src/errors.js';
import { engineCacheRoot, ensureEngines, findGo, realEnginesSkipped } from './engines.js';

const { values } = parseArgs({
  options: { 'if-go': { type: 'boolean', default: false }, 'keep-going': { type: 'boolean', default: false } },
});
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
    console.error(`engines: BUILD FAILED: ${errorMessage(error)}`);
    if (values['keep-going']) {
      console.error(
        'engines: the real-engine tests (local/test/real-engines-scaling.int.test.ts, k8s/test/api-server-admission.int.test.ts) will fail with this error; the other suites run.',
      );
    } else {
      process.exitCode = 1;
    }
  }
}
