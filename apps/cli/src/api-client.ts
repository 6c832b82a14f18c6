import type { ErrorBody, FieldIssue } from '@stratos/contracts';
import type { Dispatcher } from 'undici';
import { pinnedDispatcher, tlsFailureOf } from './tls-trust';

/** An answer of the API that is not a success, or no answer at all. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errors: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export interface ApiResult<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin client of the REST API: the CLI speaks HTTP, nothing else. */
export class ApiClient {
  private readonly dispatcher?: Dispatcher;

  /** `certificate`: the pinned certificate of a self-signed API (tls-trust.ts). */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
    certificate?: string,
  ) {
    if (certificate && baseUrl.startsWith('https:')) this.dispatcher = pinnedDispatcher(certificate);
  }

  /** fetch, through the pinned certificate where there is one; no answer is an ApiError that says why. */
  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl.replace(/\/$/, '')}/api${path}`, { ...init, dispatcher: this.dispatcher } as RequestInit);
    } catch (error) {
      const tls = tlsFailureOf(error);
      if (tls?.code === 'ERR_STRATOS_PIN') throw new ApiError(`${tls.message}: the platform's certificate changed; if that is expected, run: stratos login --url ${this.baseUrl} --fingerprint <the new one>`, 0);
      if (tls) throw new ApiError(`the API at ${this.baseUrl} has a certificate this machine does not trust (${tls.code}); run: stratos login --url ${this.baseUrl} --fingerprint <the fingerprint npm start printed>`, 0);
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new ApiError(`cannot reach the API at ${this.baseUrl} (${cause}); is the platform running? (npm start)`, 0);
    }
  }

  async request<T>(method: string, path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const binary = body instanceof Uint8Array;
    if (body !== undefined) headers['content-type'] = binary ? 'application/gzip' : 'application/json';
    let response: Response;
    try {
      response = await this.fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : binary || typeof body === 'string' ? (body as string | Uint8Array) : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(`no answer from the API at ${this.baseUrl} within ${(options.timeoutMs ?? 30_000) / 1000} s`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const error = parsed as Partial<ErrorBody> | undefined;
      let message = error?.message ?? `HTTP ${response.status}`;
      if (response.status === 401) message += ` (run: stratos login --url ${this.baseUrl})`;
      throw new ApiError(message, response.status, error?.errors ?? []);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** An open stream: server-sent events (GET), or a streamed answer to an upload (`accept`, `body`). */
  async stream(path: string, signal: AbortSignal, options: { method?: string; accept?: string; body?: Uint8Array; contentType?: string } = {}): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: options.accept ?? 'text/event-stream' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body) headers['content-type'] = options.contentType ?? 'application/octet-stream';
    const response = await this.fetch(path, { method: options.method ?? 'GET', headers, signal, body: options.body });
    if (!response.ok || !response.body) {
      const text = await response.text().catch(() => '');
      let message = `HTTP ${response.status}`;
      try {
        message = (JSON.parse(text) as ErrorBody).message ?? message;
      } catch {
        // keep the status
      }
      throw new ApiError(message, response.status, (() => {
        try {
          return (JSON.parse(text) as ErrorBody).errors ?? [];
        } catch {
          return [];
        }
      })());
    }
    return response.body;
  }
}
