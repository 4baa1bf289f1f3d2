// Runs timer-triggered functions on their NCRONTAB schedule (six fields, with seconds).
import { randomUUID } from 'node:crypto';

import azf, { type Timer } from '@azure/functions';
import { Cron } from 'croner';

import { errorMessage } from '../../functions/src/errors.js';
import type { TimerRegistration } from '../../functions/src/registration-types.js';
import { invocationLogHandler, type LogLine } from './logging.js';

/**
 * Starts one timer; `protect` skips a tick while the previous run is still going, as the host's
 * TimerListener does (Azure/azure-webjobs-sdk-extensions
 * src/WebJobs.Extensions/Extensions/Timers/Listener/TimerListener.cs: a listener-level
 * `[Singleton(Mode = SingletonMode.Listener)]`, a one-shot timer restarted only after the invocation
 * completes, and an invocation lock).
 */
export function startTimer(registration: TimerRegistration, log: (line: LogLine) => void): { stop(): void } {
  const job = new Cron(registration.schedule, { protect: true }, async () => {
    const context = new azf.InvocationContext({
      functionName: registration.name,
      invocationId: randomUUID(),
      logHandler: invocationLogHandler(registration.name, log),
    });
    const timer = { isPastDue: false, schedule: { adjustForDST: false } } as Timer;
    try {
      await registration.handler(timer, context);
    } catch (error) {
      log({
        level: 'error',
        source: registration.name,
        message: `run failed: ${errorMessage(error)}`,
      });
    }
  });
  return { stop: () => job.stop() };
}
