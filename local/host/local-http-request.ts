// A cheap HttpRequest for the local host. @azure/functions' HttpRequest builds an undici
// Request (an AbortController, body stream and header copies) per request: ~200 µs for a small
// POST here, most of the local host's per-request cost. This class answers the members
// handlers use on every request (method, url, headers, query, params, text/json/arrayBuffer)
// from the parsed request, and builds the library's own HttpRequest only for the rest (user,
// body stream, blob, formData, clone), so the contract the handlers see is the library's.
import azf, { type HttpRequest, type HttpRequestParams, type HttpRequestUser } from '@azure/functions';

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

  constructor(init: LocalHttpRequestInit) {
    this.#init = init;
    this.method = init.method;
    this.url = init.url;
    this.headers = new Headers(init.headers);
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

  get body(): ReadableStream | null {
    return this.#full().body;
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
