// Admission of /api/events streams when the host never says that a client left (the Node
// library's proxy neither reports the disconnect nor cancels the stream: azure-functions-nodejs-
// library src/http/httpProxy.ts, issue #294). A refusal past a cap would then be permanent for as
// long as vanished viewers hold their slots, so nobody is refused: a new stream is always
// admitted, and past a cap the oldest stream of the client holding the most streams ends instead.
// A viewer still there resumes it (its browser reconnects with Last-Event-ID); a vanished one
// costs nothing more.

/** Caps of {@link StreamSlots}. */
export interface StreamSlotsOptions {
  /** Streams one process holds at most (MAX_EVENT_STREAMS). */
  maxStreams: number;
  /** Streams one client holds at most; its next one ends its oldest. */
  perClient: number;
}

interface Slot {
  readonly client: string;
  readonly sequence: number;
  readonly end: () => void;
}

/** The open streams of one process, by client, oldest first. */
export class StreamSlots {
  private readonly byClient = new Map<string, Slot[]>();
  private total = 0;
  private sequence = 0;

  constructor(private readonly options: StreamSlotsOptions) {}

  /** Open streams. */
  get size(): number {
    return this.total;
  }

  /** Open streams of `client`. */
  countOf(client: string): number {
    return this.byClient.get(client)?.length ?? 0;
  }

  /**
   * Admits a stream of `client`; `end` is called if the stream must make room for a newer one.
   * Returns the release, to call when the stream ends for any other reason (idempotent).
   */
  admit(client: string, end: () => void): () => void {
    const own = this.byClient.get(client);
    if (own && own.length >= this.options.perClient && own[0]) this.evict(own[0]);
    while (this.total >= this.options.maxStreams) {
      const victim = this.oldestOfLargestClient();
      if (!victim) break;
      this.evict(victim);
    }
    const slot: Slot = { client, sequence: (this.sequence += 1), end };
    const list = this.byClient.get(client) ?? [];
    list.push(slot);
    this.byClient.set(client, list);
    this.total += 1;
    return () => this.remove(slot);
  }

  /** Ends every stream (shutdown). */
  endAll(): void {
    for (const list of [...this.byClient.values()]) for (const slot of [...list]) this.evict(slot);
  }

  private evict(slot: Slot): void {
    if (this.remove(slot)) slot.end();
  }

  private remove(slot: Slot): boolean {
    const list = this.byClient.get(slot.client);
    const at = list?.indexOf(slot) ?? -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.byClient.delete(slot.client);
    this.total -= 1;
    return true;
  }

  /** The client holding the most streams (the oldest such stream on a tie) gives up its oldest. */
  private oldestOfLargestClient(): Slot | undefined {
    let victim: Slot | undefined;
    let largest = 0;
    for (const list of this.byClient.values()) {
      const oldest = list[0];
      if (!oldest) continue;
      if (list.length > largest || (list.length === largest && victim && oldest.sequence < victim.sequence)) {
        largest = list.length;
        victim = oldest;
      }
    }
    return victim;
  }
}
