// `npm run compare-scalers -- <loadtest CSV>`: replays the queue-length trace of a load test run on
// the real engines (npm run cluster + npm run loadtest -- --engines real) through the emulated
// KEDA/HPA rules and prints how the replica counts compare (./loadtest/compare-scalers.ts).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseScaledObject } from '../local/runtime/scaling-rules.js';
import { compareScalers, comparisonLines, readTrace } from './loadtest/compare-scalers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const csv = process.argv[2];
if (!csv) {
  console.error('usage: npm run compare-scalers -- <bench/results/loadtest-….csv from a run with --engines real>');
  process.exit(2);
}
const spec = parseScaledObject(readFileSync(join(root, 'keda', 'scaledobject.yaml'), 'utf8'));
const trace = readTrace(resolve(csv));
if (trace.length === 0) {
  console.error(`${csv}: no rows with both queueLength and workersDesired (was the runtime's /scaler sampled?)`);
  process.exit(1);
}
for (const line of comparisonLines(compareScalers(spec, trace))) console.log(line);
