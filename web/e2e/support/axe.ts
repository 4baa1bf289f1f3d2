// Runs axe-core (from npm, injected into the page as Chrome's and Firefox's tools do) and returns
// the serious and critical violations, each with the elements it found.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One serious or critical violation, short enough for a test message. */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe on the whole page (WCAG 2.x A and AA rules, best practices included). */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated over the DevTools protocol, which a Content-Security-Policy does not block
  // (an injected <script> tag would be).
  await page.evaluate(axeSource);
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: Document) => Promise<unknown> } }).axe.run(document),
  )) as AxeResults;
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map(
        (node) => `${node.target.join(' ')}${node.failureSummary ? ` (${node.failureSummary.split('\n').at(-1)?.trim()})` : ''}`,
      ),
    }));
}
