// The operator credential of a local stack: generated once per data directory (a file only its
// owner reads), given to the functions as OPERATOR_TOKEN, and presented by the load test, the
// benchmarks and `npm run chaos` so fair use does not meter them (budgets stay on for everyone
// else, the web UI included).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a data directory keeps its operator token. */
export function operatorTokenFile(dataDir: string): string {
  return join(dataDir, 'operator-token');
}

/** The data directory's token, created (mode 0600) on first use. */
export function ensureOperatorToken(dataDir: string): string {
  const existing = readOperatorToken(dataDir);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(operatorTokenFile(dataDir), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The data directory's token, if it has one. */
export function readOperatorToken(dataDir: string): string | undefined {
  const file = operatorTokenFile(dataDir);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return token.length >= 16 ? token : undefined;
}

/** The header that presents it. */
export function operatorHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}
