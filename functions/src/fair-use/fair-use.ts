// Fair use: each client has a budget weighted by what its requests cost, kept in Redis so
// every api replica shares it; past it the API answers 429 with Retry-After. An operator
// (the load test, the benchmarks) presents OPERATOR_TOKEN and is not metered.
import { createHash, timingSafeEqual } from 'node:crypto';

import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Redis } from 'ioredis';

import { withDeadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { fibonacciDigits } from '../fib/value-preview.js';
import { jsonError } from '../http/responses.js';
import { QueueScripts } from '../queue/scripts.js';
import { onMaster } from '../redis/client.js';
import type { RedisKeys } from '../redis/keys.js';
import { clientIdentity } from './client-identity.js';

/** Options for {@link FairUse}. */
export interface FairUseOptions {
  /** Units a client may spend at once (the bucket's size). */
  burst: number;
  /** Units a client's budget regains per second. */
  ratePerSecond: number;
  /** The operator credential (`Authorization: Bearer <token>`); unset: nobody is exempt. */
  operatorToken?: string;
  /**
   * Longest the budget check may wait for Redis; past it (or on a Redis error) the request is
   * let through and the log says so: a Redis outage is answered by the store it hits, with its
   * own bound, not by a second timeout here. @defaultValue 250
   */
  timeoutMs?: number;
  log?: (message: string) => void;
}

/**
 * What a submission costs: 1 unit plus 1 per 10,000 of the index (F(10^6) costs 101), about
 * in proportion to the worker time and the memory its value takes.
 */
export function indexCost(index: number): number {
  return 1 + Math.floor(index / 10_000);
}

/** Decimal digits sent per fair-use unit by a full read (F(n) has ~0.209·n digits). */
const digitsPerReadUnit = 10_000;

/**
 * What a full read of stored F(index) costs: 1 unit per 10,000 decimal digits sent (free below
 * 10,000 digits, F(47,847)), whether or not the api has the decimal string cached, so reading
 * one large value over and over is bounded like submitting it; plus, when the api has not
 * cached the string, 1 unit per 100,000 of the index for rendering it (F(10^6): ~70 ms on a
 * conversion thread). F(10^6) (208,988 digits) costs 20 units cached, 30 not: at the default
 * 20 units/s a client reads one per second (~200,000 digits/s) once its burst is spent (README,
 * "Bounded by design").
 */
export function fullReadCost(index: number, cached: boolean): number {
  const sent = Math.floor(fibonacciDigits(index) / digitsPerReadUnit);
  return sent + (cached ? 0 : Math.floor(index / 100_000));
}

/** The verdict on one request. */
export type FairUseVerdict = { ok: true } | { ok: false; retryAfterMs: number };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Meters requests per client against budgets in Redis. */
export class FairUse {
  private readonly operatorDigest: Buffer | undefined;
  private readonly scripts: QueueScripts;
  private lastFailureLog = 0;

  constructor(
    master: Redis,
    keys: RedisKeys,
    private readonly options: FairUseOptions,
  ) {
    this.scripts = new QueueScripts(master, keys);
    this.operatorDigest = options.operatorToken ? digest(options.operatorToken) : undefined;
  }

  /** Whether the request carries the operator credential (compared in constant time). */
  isOperator(request: Pick<HttpRequest, 'headers'>): boolean {
    if (this.operatorDigest === undefined) return false;
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '');
    return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), this.operatorDigest);
  }

  /** Takes `cost` from the requesting client's budget; operators pass free. */
  async take(request: Pick<HttpRequest, 'headers'>, cost: number): Promise<FairUseVerdict> {
    if (this.isOperator(request)) return { ok: true };
    const timeoutMs = this.options.timeoutMs ?? 250;
    try {
      const [taken, retryAfterMs] = await withDeadline(
        onMaster(() => this.scripts.takeBudget(clientIdentity(request), cost, this.options.burst, this.options.ratePerSecond)),
        timeoutMs,
      );
      return taken === 1 ? { ok: true } : { ok: false, retryAfterMs };
    } catch (error) {
      const now = Date.now();
      if (now - this.lastFailureLog > 10_000) {
        this.lastFailureLog = now;
        this.options.log?.(`fair use: budget check skipped (${errorMessage(error)})`);
      }
      return { ok: true };
    }
  }
}

/** The 429 answer: JSON with the wait, and Retry-After in whole seconds. */
export function tooManyRequests(retryAfterMs: number): HttpResponseInit {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return jsonError(
    429,
    `too many requests from this client; try again in ${seconds} s`,
    { 'retry-after': String(seconds) },
    { retryAfterSeconds: seconds },
  );
}
