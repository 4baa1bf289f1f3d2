// The "Enter your index" form: inline validation shared with the API, its refusals shown in place;
// LiveSubmitForm reports accepted indices to the live state.
'use client';

import { checkIndex } from '@shared/index-input';
import { type FormEvent, useId, useRef, useState } from 'react';

import { ApiError, submitIndex } from '../api/api-client';
import type { SubmitAnswer } from '../api/api-types';
import { errorMessage } from '../api/error-message';
import { useLiveState } from '../live/live-state';
import { formMessages } from './form-messages';

/** Props of {@link SubmitForm}. */
export interface SubmitFormProps {
  /** The API's MAX_INDEX (from /api/stats); unknown until the first answer. */
  maxIndex: number | undefined;
  /** Called after the API accepted an index. */
  onSubmitted: (answer: SubmitAnswer) => void;
}

/** Validates like the API; without a known limit only the format is checked here. */
function validate(raw: string, maxIndex: number | undefined) {
  const check = checkIndex(raw, maxIndex ?? Number.MAX_SAFE_INTEGER);
  if (check.ok) return check;
  const error = check.status === 400 || maxIndex === undefined ? formMessages.malformed : formMessages.outOfRange(maxIndex);
  return { ...check, error };
}

export function SubmitForm({ maxIndex, onSubmitted }: SubmitFormProps) {
  const inputId = useId();
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const inputRef = useRef<HTMLInputElement>(null);
  const [raw, setRaw] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [serverError, setServerError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const [lastAccepted, setLastAccepted] = useState<SubmitAnswer | undefined>();

  const check = validate(raw, maxIndex);
  // Refuse as soon as something is typed; an empty box only complains after a submit.
  const clientError = !check.ok && (raw !== '' || attempted) ? check.error : undefined;
  const error = clientError ?? serverError;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAttempted(true);
    setServerError(undefined);
    if (!check.ok || sending) {
      inputRef.current?.focus();
      return;
    }
    setSending(true);
    try {
      const answer = await submitIndex(check.index);
      setLastAccepted(answer);
      setRaw('');
      setAttempted(false);
      onSubmitted(answer);
    } catch (failure) {
      setServerError(
        failure instanceof ApiError && !failure.unavailable
          ? failure.message
          : `Could not submit: ${errorMessage(failure)}. Try again in a moment.`,
      );
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  }

  return (
    <form className="submit-form" onSubmit={(event) => void onSubmit(event)} noValidate>
      <label htmlFor={inputId}>Enter your index</label>
      <div className="submit-row">
        <input
          ref={inputRef}
          id={inputId}
          name="index"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          placeholder="e.g. 12"
          value={raw}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${errorId} ${hintId}` : hintId}
          onChange={(event) => {
            setRaw(event.target.value);
            setServerError(undefined);
            setLastAccepted(undefined);
          }}
        />
        <button type="submit" disabled={sending}>
          {sending ? 'Submitting…' : 'Submit'}
        </button>
      </div>
      <p id={hintId} className="hint">
        {maxIndex === undefined ? 'A whole number, like 12.' : `A whole number from 0 to ${maxIndex.toLocaleString('en-US')}.`}
      </p>
      <p id={errorId} className="field-error" aria-live="polite">
        {error}
      </p>
      {lastAccepted && !error ? (
        <p className="accepted" role="status">
          {lastAccepted.status === 'done' ? `F(${lastAccepted.index}) was already known.` : `Submitted F(${lastAccepted.index}).`}
        </p>
      ) : null}
    </form>
  );
}

/** {@link SubmitForm} with the live state's limit, telling it what the API accepted (inside a LiveStateProvider). */
export function LiveSubmitForm() {
  const { stats, submitted } = useLiveState();
  return <SubmitForm maxIndex={stats?.maxIndex} onSubmitted={submitted} />;
}
