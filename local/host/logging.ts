// Log lines of the local host, in the spirit of `func start`'s console output.
import type { LogHandler, LogLevel } from '@azure/functions';

export interface LogLine {
  level: LogLevel;
  source: string;
  message: string;
}

/** Routes InvocationContext logging (context.log/warn/error) to the host's log. */
export function invocationLogHandler(functionName: string, log: (line: LogLine) => void): LogHandler {
  return (level, ...args) => {
    const message = args
      .map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg)))
      .join(' ');
    log({ level, source: functionName, message });
  };
}

/** Prints warnings and errors always, information unless quiet; never traces. */
export function consoleLog(quiet: boolean): (line: LogLine) => void {
  return ({ level, source, message }) => {
    if (level === 'trace' || level === 'debug') return;
    if (quiet && level === 'information') return;
    const stamp = new Date().toISOString().slice(11, 23);
    const stream = level === 'error' || level === 'warning' ? process.stderr : process.stdout;
    stream.write(`[${stamp}] ${level === 'information' ? 'info' : level} ${source}: ${message}\n`);
  };
}
