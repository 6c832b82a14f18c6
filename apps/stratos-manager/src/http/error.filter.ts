import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, httpStatusOf, type ErrorBody, type FieldIssue } from '@stratos/contracts';
import { databaseUnavailableReason } from '@stratos/persistence';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestIdOf } from './request-id';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string, errors: FieldIssue[] = [], requestId?: string): ErrorBody {
  return { statusCode, error: REASONS[statusCode] ?? HttpStatus[statusCode] ?? 'Error', message, errors, ...(requestId ? { requestId } : {}) };
}

/** What a client is told to wait when a part of the platform is down: the supervisor's first restart takes about this long. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

/** PostgreSQL down (refused, restarting, dropped) is the platform's state, not a bug: 503 naming it. */
function asUnavailable(exception: unknown): DomainError | null {
  const reason = databaseUnavailableReason(exception);
  return reason ? new DomainError(ErrorCode.Unavailable, `the database (PostgreSQL) is unavailable: ${reason}; retry shortly`, [], UNAVAILABLE_RETRY_AFTER_S) : null;
}

/** One error body for the whole API; a 500 tells nothing internal but an id the log also has. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    if (response.sent || response.raw.headersSent) return;
    const exception = asUnavailable(thrown) ?? thrown;
    const body = { ...this.toBody(exception), requestId: requestIdOf(host.switchToHttp().getRequest<FastifyRequest>()) };
    if (body.statusCode === 401) response.header('WWW-Authenticate', 'Bearer');
    if (exception instanceof DomainError && exception.retryAfterS !== undefined) response.header('Retry-After', String(exception.retryAfterS));
    else if (body.statusCode === 503) response.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
    response.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) return errorBody(httpStatusOf[exception.code], exception.message, exception.errors);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message = typeof raw === 'string' ? raw : ((raw as { message?: unknown }).message ?? exception.message);
      if (status < 500) return errorBody(status, Array.isArray(message) ? message.join('; ') : String(message));
    }
    const incidentId = randomUUID();
    this.logger.error(`incident ${incidentId}: ${(exception as Error)?.stack ?? String(exception)}`);
    return { ...errorBody(500, `internal error (incident ${incidentId}); the server log has the details`), incidentId };
  }
}
