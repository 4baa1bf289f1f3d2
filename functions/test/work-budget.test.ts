// The work budget alone: a worker admits no more estimated compute than its budget (always at
// least one task), estimates grow with the index, and releasing frees the room again.
import { describe, expect, it } from 'vitest';

import { WorkBudget } from '../src/queue/work-budget.js';

describe('WorkBudget', () => {
  it('admits up to its budget, always one task when it holds nothing, and frees room on release', () => {
    const budget = new WorkBudget({ budgetMs: 100 });
    const big = budget.estimate(5_000_000);
    expect(big).toBeGreaterThan(100);
    expect(budget.tryAdmit(big)).toBe(true); // holding nothing: a huge index still runs
    expect(budget.tryAdmit(1)).toBe(false);
    budget.release(big);
    expect(budget.held).toBe(0);
    const small = budget.estimate(10_000);
    let admitted = 0;
    while (budget.tryAdmit(small)) admitted += 1;
    expect(admitted).toBeGreaterThan(1);
    expect(budget.held).toBeLessThanOrEqual(100);
  });

  it('estimates more time for a larger index', () => {
    const budget = new WorkBudget({ budgetMs: 1000 });
    expect(budget.estimate(1_000_000)).toBeGreaterThan(budget.estimate(100_000));
    expect(budget.estimate(100_000)).toBeGreaterThan(budget.estimate(1_000));
  });

  it('runs computes one at a time and passes their results on', async () => {
    const budget = new WorkBudget({ budgetMs: 1000 });
    const order: number[] = [];
    const results = await Promise.all([1, 2, 3].map((n) => budget.compute(n, () => (order.push(n), n * 10))));
    expect(results).toEqual([10, 20, 30]);
    expect(order).toEqual([1, 2, 3]);
  });
});
