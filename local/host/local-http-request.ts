// A cheap HttpRequest for the local host. @azure/functions' HttpRequest builds an undici
// Request (an AbortController, body stream and header copies) per request: ~200 µs for a small
// POST here, most of the local host's per-request cost. This class answers the members
// handlers use on every request (method, url, headers, query, params, text/json/arrayBuffer)
// from the parsed request, and builds the library's own HttpRequest only for the rest (user,
// body stream, blob, formData, clone), so the contract the handlers see is the library's.
import azf, { type HttpRequest, type HttpRequestParams, type HttpRequestUser } from '@azure/functions';

/** Headers' members as methods: undici's typings declare them as fields, which a subclass cannot override. */
interface HeaderMethods {
  get(name: string): string | null;
  has(name: string): boolean;
  append(name: string, value: string): void;
  set(name: string, value: string): void;
  delete(name: string): void;
  getSetCookie(): string[];
  forEach(...args: Parameters<Headers['forEach']>): void;
  entries(): ReturnType<Headers['entries']>;
  keys(): ReturnType<Headers['keys']>;
  values(): ReturnType<Headers['values']>;
  [Symbol.iterator](): ReturnType<Headers[typeof Symbol.iterator]>;
}
const HeadersBase: new () => HeaderMethods = Headers;

/**
 * A fetch Headers over the request headers Node's parser already checked and lower-cased.
 * `get` and `has` read that record directly; anything else (iteration, changes) first copies it
 * into the real Headers underneath, once, and from then on everything is the real Headers.
 * Building a Headers per request validated every name and value again (a measurable share of
 * the API's CPU per POST: README, Measured), though handlers only ever `get` a few of them.
 */
export class ParsedHeaders extends HeadersBase {
  #record: Readonly<Record<string, string>> | undefined;

  constructor(record: Readonly<Record<string, string>>) {
    super();
    this.#record = record;
  }

  /** Copies the record into the real Headers (once); from then on the real Headers answers alone. */
  #copy(): void {
    const record = this.#record;
    if (!record) return;
    this.#record = undefined;
    for (const name of Object.keys(record)) super.append(name, record[name] ?? '');
  }

  override get(name: string): string | null {
    // A name that is not in the record goes to Headers, which rejects an invalid one.
    const record = this.#record;
    const key = name.toLowerCase();
    return record && Object.hasOwn(record, key) ? (record[key] ?? null) : super.get(name);
  }

  override has(name: string): boolean {
    return (this.#record !== undefined && Object.hasOwn(this.#record, name.toLowerCase())) || super.has(name);
  }

  override append(name: string, value: string): void {
    this.#copy();
    super.append(name, value);
  }

  override set(name: string, value: string): void {
    this.#copy();
    super.set(name, value);
  }

  override delete(name: string): void {
    this.#copy();
    super.delete(name);
  }

  override getSetCookie(): string[] {
    this.#copy();
    return super.getSetCookie();
  }

  override forEach(...args: Parameters<Headers['forEach']>): void {
    this.#copy();
    super.forEach(...args);
  }

  override entries() {
    this.#copy();
    return super.entries();
  }

  override keys() {
    this.#copy();
    return super.keys();
  }

  override values() {
    this.#copy();
    return super.values();
  }

  override [Symbol.iterator]() {
    this.#copy();
    return super[Symbol.iterator]();
  }
}

export interface LocalHttpRequestInit {
  method: string;
  url: string;
  headers: Record<string, string>;
  query: URLSearchParams;
  params: HttpRequestParams;
  body: Buffer | undefined;
}

export class LocalHttpRequest implements HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly query: URLSearchParams;
  readonly params: HttpRequestParams;
  #init: LocalHttpRequestInit;
  #used = false;
  #library: HttpRequest | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;

  constructor(init: LocalHttpRequestInit) {
    this.#init = init;
    this.method = init.method;
    this.url = init.url;
    this.headers = new ParsedHeaders(init.headers);
    this.query = init.query;
    this.params = init.params;
  }

  /** The library's request, built on first use of a member this class does not serve itself. */
  #full(): HttpRequest {
    this.#library ??= new azf.HttpRequest({
      method: this.#init.method,
      url: this.#init.url,
      headers: this.#init.headers,
      query: Object.fromEntries(this.#init.query.entries()),
      params: this.#init.params,
      body: this.#init.body ? { bytes: this.#init.body } : undefined,
    });
    // Read here already: the library's request must say so too.
    if (this.#used) void this.#library.arrayBuffer().catch(() => undefined);
    return this.#library;
  }

  /** Reads the body once, as a fetch Request does ("Body is unusable" the second time). */
  #consume(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#init.body ?? Buffer.alloc(0);
  }

  get user(): HttpRequestUser | null {
    return this.#full().user;
  }

  /** The body as a stream of its one buffer (no library request needed); reading it uses the body up. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#library) return this.#library.body;
    if (!this.#init.body) return null;
    if (this.#stream) return this.#stream;
    const bytes = this.#consume();
    this.#stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        controller.close();
      },
    });
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#library ? this.#library.bodyUsed : this.#used;
  }

  readonly text = async (): Promise<string> => (this.#library ? await this.#library.text() : this.#consume().toString('utf8'));

  readonly json = async (): Promise<unknown> => JSON.parse(await this.text()) as unknown;

  readonly arrayBuffer = async (): Promise<ArrayBuffer> => {
    if (this.#library) return await this.#library.arrayBuffer();
    const bytes = this.#consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };

  readonly blob = (): Promise<Blob> => this.#full().blob();
  readonly formData = (): Promise<FormData> => this.#full().formData();
  readonly clone = (): HttpRequest => this.#full().clone();
}
