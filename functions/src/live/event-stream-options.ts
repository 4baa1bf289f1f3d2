// The limits of each /api/events stream and client (functions/events.ts enforces them; the app holds them).

/** Limits of one stream and of one client; tests shorten them. The reasons for each number are in the README. */
export interface EventStreamOptions {
  /** @defaultValue 15000 */
  heartbeatMs: number;
  /**
   * Every stream ends after this long and the browser reconnects with Last-Event-ID. It bounds
   * how long a vanished viewer's stream is fed (nothing else ends it under the real host).
   * @defaultValue 60000
   */
  maxStreamMs: number;
  /**
   * A stream ends once it has written this many bytes. Nothing slows a stream for a slow client
   * (the library ignores write()'s return), so its unsent bytes queue in the api process; this
   * bounds that queue per stream. @defaultValue 524288 (512 KiB)
   */
  maxStreamBytes: number;
  /** A stream ends once it has written this many events. @defaultValue 5000 */
  maxStreamEvents: number;
  /** Streams one client holds at once; its next one ends its oldest. @defaultValue 4 */
  maxStreamsPerClient: number;
  /** EventSource reconnection delay sent as `retry:`. @defaultValue 2000 */
  retryMs: number;
}

export const defaultStreamOptions: Readonly<EventStreamOptions> = Object.freeze({
  heartbeatMs: 15_000,
  maxStreamMs: 60_000,
  maxStreamBytes: 512 * 1024,
  maxStreamEvents: 5000,
  maxStreamsPerClient: 4,
  retryMs: 2000,
});
