// Sums the vitest JSON reports in .reports/ into one closing line: "N passed, N failed".
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const directory = '.reports';
const totals = { passed: 0, failed: 0, skipped: 0 };
const files = existsSync(directory) ? readdirSync(directory).filter((name) => name.endsWith('.json')) : [];
for (const name of files) {
  const report = JSON.parse(readFileSync(`${directory}/${name}`, 'utf8'));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const brokenSuites = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).length === 0,
  );
  totals.failed += brokenSuites.length;
  console.log(
    `${name}: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed${brokenSuites.length ? `, ${brokenSuites.length} files failed to load` : ''}`,
  );
}
if (files.length === 0) console.log('no test reports found in .reports/');
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || files.length === 0 ? 1 : 0);
