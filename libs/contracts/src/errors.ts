/**
 * One error contract for the whole platform. Services throw a DomainError; the HTTP edge
 * maps its code to a status and renders ErrorBody, the MQTT edge carries it as RpcFailure.
 */
import type { JsonSchema } from './json-schema';
export interface FieldIssue {
  /** JSON Pointer into what the user sent, '' for the whole document. */
  path: string;
  message: string;
  allowed?: unknown[];
}

export const ErrorCode = {
  Invalid: 'INVALID',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Unauthenticated: 'UNAUTHENTICATED',
  Forbidden: 'FORBIDDEN',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const httpStatusOf: Record<ErrorCode, number> = {
  INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** The body of every error response of the REST API. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors: FieldIssue[];
  /** Only on 500s: the id that the server's log line carries too. */
  incidentId?: string;
  /** The request's id (its X-Request-Id): every log line the request caused carries it. */
  requestId?: string;
}

/** ErrorBody as JSON Schema: the OpenAPI document's `ErrorBody` component, which every operation's error responses name. */
export const errorBodySchema: JsonSchema = {
  type: 'object',
  description: 'The body of every error response: what went wrong, and where (a JSON pointer into what was sent, per issue).',
  required: ['statusCode', 'error', 'message', 'errors'],
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599 },
    error: { type: 'string', description: "the status's reason phrase" },
    message: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: "a JSON pointer into what was sent ('' for the whole document)" },
          message: { type: 'string' },
          allowed: { type: 'array', description: 'the values allowed there, where a set is' },
        },
      },
    },
    incidentId: { type: 'string', description: "only on 500s: the id the server's log line carries too" },
    requestId: { type: 'string', description: 'the X-Request-Id of the request: every log line it caused carries it' },
  },
};

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldIssue[] = [],
    /** With TOO_MANY_REQUESTS (and UNAVAILABLE): seconds until a retry may work (HTTP Retry-After). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static invalid(message: string, errors: FieldIssue[] = []) {
    return new DomainError(ErrorCode.Invalid, message, errors);
  }
  static notFound(message: string) {
    return new DomainError(ErrorCode.NotFound, message);
  }
  static conflict(message: string, errors: FieldIssue[] = []) {
    return new DomainError(ErrorCode.Conflict, message, errors);
  }
}
