// `npm run compare-scalers -- <loadtest CSV>`: replays the queue-length and pending trace of a load
// test run on the real engines (npm run cluster + npm run loadtest -- --engines real) through the
// emulated KEDA/HPA rules and prints how the replica counts compare (./loadtest/compare-scalers.ts).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { errorMessage } from '../functions/src/errors.js';
import { hpaControllerDefaults, parseScaledObject } from '../local/runtime/scaling-rules.js';
import { compareScalers, comparisonLines, readTrace } from './loadtest/compare-scalers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = `usage: npm run compare-scalers -- [options] <bench/results/loadtest-….csv from a run with --engines real>
  --scaledobject FILE   the ScaledObject the run scaled with (KEDA_SCALEDOBJECT; default keda/scaledobject.yaml)
  --sync-period S       the HPA controller's sync period of the run (HPA_SYNC_PERIOD_SECONDS; default ${hpaControllerDefaults.syncPeriodSeconds})`;

let csv: string | undefined;
let scaledObjectPath: string;
let syncPeriodSeconds: number;
try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { scaledobject: { type: 'string' }, 'sync-period': { type: 'string' } },
  });
  csv = positionals[0];
  scaledObjectPath = resolve(values.scaledobject ?? join(root, 'keda', 'scaledobject.yaml'));
  syncPeriodSeconds = Number(values['sync-period'] ?? hpaControllerDefaults.syncPeriodSeconds);
  if (!Number.isFinite(syncPeriodSeconds) || syncPeriodSeconds <= 0)
    throw new Error(`--sync-period must be a positive number of seconds, got "${values['sync-period']}"`);
} catch (error) {
  console.error(`${errorMessage(error)}\n${usage}`);
  process.exit(2);
}
if (!csv) {
  console.error(usage);
  process.exit(2);
}
const spec = parseScaledObject(readFileSync(scaledObjectPath, 'utf8'));
const trace = readTrace(resolve(csv));
if (trace.length === 0) {
  console.error(`${csv}: no rows with both queueLength and workersDesired (was the runtime's /scaler sampled?)`);
  process.exit(1);
}
if ((spec.metricsApiTriggers ?? []).length > 0 && trace.every((point) => point.pending === undefined))
  console.warn(`${csv}: no pending column values: the metrics-api trigger is replayed as inactive`);
console.log(`ScaledObject ${scaledObjectPath}, HPA sync period ${syncPeriodSeconds} s`);
for (const line of comparisonLines(compareScalers(spec, trace, { hpaSyncPeriodSeconds: syncPeriodSeconds }))) console.log(line);
