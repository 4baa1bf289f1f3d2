// One computed value: whole when short; head…tail with its digit count, expand, copy and download when huge.
'use client';

import { useState } from 'react';

import { ApiError, fetchValue } from '../api/api-client';
import type { RecentValue } from '../api/api-types';
import { errorMessage } from '../api/error-message';

const digitSuffix = /\s*\(\d+ digits\)$/;

/** The API's preview ("head…tail (N digits)") without the count, which is shown on its own. */
export function previewText(value: string): string {
  return value.replace(digitSuffix, '');
}

/** "20,899 digits" */
export function formatDigits(digits: number): string {
  return `${digits.toLocaleString('en-US')} ${digits === 1 ? 'digit' : 'digits'}`;
}

function downloadText(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Props of {@link ValueView}. */
export interface ValueViewProps {
  item: RecentValue & { value: string };
}

export function ValueView({ item }: ValueViewProps) {
  const [full, setFull] = useState<string | undefined>(item.truncated ? undefined : item.value);
  const [expanded, setExpanded] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>();
  const label = `F(${item.index})`;

  async function fullValue(): Promise<string | undefined> {
    if (full !== undefined) return full;
    setBusy(true);
    try {
      const detail = await fetchValue(item.index);
      if (detail.value === null) throw new ApiError(`${label} is not computed yet`, 404);
      setFull(detail.value);
      return detail.value;
    } catch (failure) {
      setNotice(`Could not load ${label}: ${errorMessage(failure)}`);
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  async function onToggle() {
    setNotice(undefined);
    if (expanded) {
      setExpanded(false);
      return;
    }
    if ((await fullValue()) !== undefined) setExpanded(true);
  }

  async function onCopy() {
    setNotice(undefined);
    const text = await fullValue();
    if (text === undefined) return;
    try {
      await navigator.clipboard.writeText(text);
      setNotice(`Copied ${label} (${formatDigits(text.length)})`);
    } catch {
      setNotice('Copying is not allowed here; use Download instead');
    }
  }

  async function onDownload() {
    setNotice(undefined);
    const text = await fullValue();
    if (text === undefined) return;
    downloadText(`fibonacci-${item.index}.txt`, text);
    setNotice(`Downloaded fibonacci-${item.index}.txt`);
  }

  return (
    <div className="value-view">
      <div className="value-line">
        <span className="value" aria-label={item.truncated ? `${label} shortened` : undefined}>
          {item.truncated ? previewText(item.value) : item.value}
        </span>
        {item.truncated && item.digits !== null ? <span className="digits">{formatDigits(item.digits)}</span> : null}
      </div>
      <div className="value-actions">
        {item.truncated ? (
          <button type="button" className="link-button" aria-expanded={expanded} disabled={busy} onClick={() => void onToggle()}>
            {expanded ? 'Collapse' : `Show all${item.digits === null ? '' : ` ${formatDigits(item.digits)}`}`}
            <span className="visually-hidden"> of {label}</span>
          </button>
        ) : null}
        <button type="button" className="link-button" disabled={busy} onClick={() => void onCopy()}>
          Copy<span className="visually-hidden"> {label}</span>
        </button>
        {item.truncated ? (
          <button type="button" className="link-button" disabled={busy} onClick={() => void onDownload()}>
            Download<span className="visually-hidden"> {label}</span>
          </button>
        ) : null}
        {item.computedMs !== null ? <span className="timing">computed in {formatMs(item.computedMs)}</span> : null}
        <span className="notice" role="status">
          {notice}
        </span>
      </div>
      {expanded && full !== undefined ? (
        <div className="full-value" role="region" aria-label={`${label} in full`} tabIndex={0}>
          {full}
        </div>
      ) : null}
    </div>
  );
}

function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
