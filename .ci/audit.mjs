// `npm audit` of the production dependencies (what the images ship): fails on any high or
// critical advisory that .ci/audit-explained.json does not explain (advisory URL or GHSA id
// -> why it does not apply here, or what is done about it). When the registry's advisory
// endpoint cannot be reached (it answers 405 on some mirrors), it says so and does not fail:
// an outage of the endpoint is not a finding. Plain Node, no dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const explainedFile = new URL('./audit-explained.json', import.meta.url);
const explained = existsSync(explainedFile) ? JSON.parse(readFileSync(explainedFile, 'utf8')) : {};

// AUDIT_REPORT=<file> reads a saved `npm audit --json` answer instead (to check this script).
const run = process.env.AUDIT_REPORT
  ? { stdout: readFileSync(process.env.AUDIT_REPORT, 'utf8'), stderr: '' }
  : spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}
if (!report || report.error || report.statusCode || !report.vulnerabilities) {
  const why = report?.message ?? report?.error?.summary ?? (run.stderr.trim().split('\n').at(-1) || 'no JSON answer');
  console.log(`audit: npm audit --omit=dev could not run here (${why}); no finding checked`);
  process.exit(0);
}

const unexplained = [];
for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
  if (vulnerability.severity !== 'high' && vulnerability.severity !== 'critical') continue;
  // `via` holds advisories (objects) or the names of vulnerable dependencies (strings).
  const advisories = vulnerability.via.filter((via) => typeof via === 'object');
  for (const advisory of advisories.length > 0 ? advisories : [{ url: name, title: 'through a dependency' }]) {
    const id = advisory.url?.split('/').at(-1) ?? name;
    const reason = explained[advisory.url] ?? explained[id];
    const line = `${vulnerability.severity} ${name}: ${advisory.title ?? ''} ${advisory.url ?? ''}`.trim();
    if (reason) console.log(`audit: explained: ${line}: ${reason}`);
    else unexplained.push(line);
  }
}
const counts = report.metadata?.vulnerabilities ?? {};
console.log(
  `audit: production dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
for (const line of unexplained) console.log(`audit: UNEXPLAINED ${line}`);
process.exit(unexplained.length > 0 ? 1 : 0);
