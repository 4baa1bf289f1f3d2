// Why a failed index failed: its last error and each failed attempt's time and outcome, from
// GET /api/values/{index} (loaded when asked for; every visitor may see it).
'use client';

import { useState } from 'react';

import { fetchValue } from '../api/api-client';
import type { ValueDetail } from '../api/api-types';
import { errorMessage } from '../api/error-message';

type Attempt = NonNullable<ValueDetail['history']>[number];

const outcomeText: Record<Attempt['outcome'], string> = {
  'lease-expired': 'lease expired, queued again',
  'invocation-failed': 'failed, queued again',
  failed: 'failed, given up',
};

/** A "Why?" disclosure under a failed index. */
export function FailureReason({ index }: { index: number }) {
  const [detail, setDetail] = useState<ValueDetail | undefined>();
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  async function onToggle() {
    if (open) return setOpen(false);
    setProblem(undefined);
    try {
      setDetail(await fetchValue(index));
      setOpen(true);
    } catch (failure) {
      setProblem(`Could not load why: ${errorMessage(failure)}`);
    }
  }

  const history = detail?.history ?? [];
  return (
    <>
      <button type="button" className="link-button" aria-expanded={open} onClick={() => void onToggle()}>
        Why?<span className="visually-hidden"> F({index}) failed</span>
      </button>
      {problem ? <span role="status">{problem}</span> : null}
      {open ? (
        <div className="failure-reason" role="region" aria-label={`Why F(${index}) failed`}>
          <p>Last error: {detail?.lastError ?? 'none recorded'}</p>
          {history.length > 0 ? (
            <ol aria-label={`Failed attempts of F(${index})`}>
              {history.map((attempt, i) => (
                <li key={`${attempt.at}:${i}`}>
                  <time dateTime={new Date(attempt.at).toISOString()}>{new Date(attempt.at).toLocaleString()}</time>:{' '}
                  {outcomeText[attempt.outcome] ?? attempt.outcome}
                  {attempt.error ? ` (${attempt.error})` : ''}
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
