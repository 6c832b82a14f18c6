/**
 * The log of a platform process: pino, one JSON object per line (pretty on a terminal), its level
 * from LOG_LEVEL, secrets redacted by path, and the id of the HTTP request or RPC message being
 * handled on every line it causes.
 *
 * Not nestjs-pino: it keeps one root logger per Node process (PinoLogger.root), and the tests and
 * benches run a manager and a controller in one process — each must write to its own log.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Module, type DynamicModule, type LoggerService } from '@nestjs/common';
import { EnvVar, readChoice, type Env } from '@stratos/contracts';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { isObservable, tap } from 'rxjs';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;

/**
 * Never written, wherever they appear in a logged object: credentials in headers, and any field a
 * request or a reply names as secret, at the top or one level down.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['password', 'token', 'secret', 'mbPassword', 'memberSecret', 'privateKey', 'credentials'].flatMap((key) => [key, `*.${key}`]),
];

export interface LogOptions {
  level?: LogLevel;
  format?: (typeof LOG_FORMATS)[number];
  /** Where the lines go (tests read them); default standard output. */
  stream?: DestinationStream;
}

/** LOG_LEVEL and LOG_FORMAT, checked: a bad value stops the process with the allowed ones. */
export function logOptionsFromEnv(env: Env = process.env): LogOptions {
  return {
    level: readChoice(env, EnvVar.logLevel, LOG_LEVELS, 'info'),
    format: readChoice(env, EnvVar.logFormat, LOG_FORMATS, process.stdout.isTTY ? 'pretty' : 'json'),
  };
}

/** The process's root logger; every other one is its child. */
export function createRootLogger(processName: string, options: LogOptions = {}): Pino {
  const settings = { ...logOptionsFromEnv(), ...options };
  const stream =
    settings.stream ??
    (settings.format === 'pretty'
      ? pinoPretty({
          sync: true,
          colorize: !process.env.NO_COLOR && process.stdout.isTTY,
          ignore: 'pid,hostname,name,context',
          messageFormat: '{if context}{context}: {end}{msg}',
          translateTime: 'SYS:HH:MM:ss.l',
          singleLine: true,
        })
      : pino.destination({ fd: 1, sync: true }));
  return pino(
    {
      name: processName,
      level: settings.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid, name: processName },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/**
 * The request or message being handled: its logger, with its id bound, tagged with its root (two
 * apps may share a process), and its id. One AsyncLocalStorage for both: each one a process has
 * costs work at every promise it makes.
 */
const handling = new AsyncLocalStorage<{ root: Pino; readonly logger: Pino; requestId?: string }>();

/**
 * Runs the rest of a request (or message) with its own logger: every line logged meanwhile carries
 * its id. A function is called for the logger at the first line (most requests write none but
 * their completion line, and a pino child costs as much as the line).
 */
export function runWithLogger<T>(root: Pino, logger: Pino | (() => Pino), work: () => T, requestId?: string): T {
  if (typeof logger !== 'function') return handling.run({ root, logger, requestId }, work);
  let made: Pino | undefined;
  return handling.run({ root, requestId, get logger() { return (made ??= logger()); } }, work);
}

/** The id of the request being handled (runWithLogger's), if any. */
export function currentRequestId(): string | undefined {
  return handling.getStore()?.requestId;
}

/** Nest's start-up chatter (every module and route): debug, not info. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication', 'NestMicroservice']);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's LoggerService over pino: `new Logger('Context').log(…)` anywhere lands here, in the current request's context. */
export class ProcessLogger implements LoggerService {
  constructor(readonly root: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(typeof context === 'string' && CHATTY_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const current = handling.getStore();
    const logger = current?.root === this.root ? current.logger : this.root;
    if (!logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    let rest = params;
    // Nest passes the logger's context last, and an error's stack before it.
    if (rest.length > 0 && typeof rest[rest.length - 1] === 'string') {
      fields.context = rest[rest.length - 1];
      rest = rest.slice(0, -1);
    }
    if (level === 'error' && typeof rest[0] === 'string' && /\n\s+at /.test(rest[0])) {
      fields.stack = rest[0];
      rest = rest.slice(1);
    }
    if (rest.length > 0) fields.params = rest;
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (message !== null && typeof message === 'object') logger[level]({ ...fields, ...(message as object) });
    else logger[level](fields, String(message));
  }
}

/** Probes and scrapes would write a line each, every few seconds. */
const UNLOGGED_URLS = new Set(['/api/health', '/metrics']);

/**
 * One line per HTTP request once its response is sent — `request completed`, info; warn for a
 * 4xx, error for a 5xx — with the id the request-id middleware gave (req.id), the method, URL,
 * caller's address, status and time; `request aborted` (warn) when the caller left first (an
 * event stream's watcher leaving is its normal end: `event stream closed by the caller`, info).
 * The handlers' own lines carry the id through runWithLogger (the manager's request context).
 * (pino-http's line, at a fifth of its cost: no child logger and no serializers per request.)
 */
export function httpLogging(root: Pino) {
  // The line's fields are fixed below (method, URL, address, status, time; no header, no body):
  // none is a secret, and redaction by path (wildcards included) costs three times the line itself.
  const access = root.child({}, { redact: { paths: [] } });
  return (request: IncomingMessage & { id?: string }, response: ServerResponse, next: () => void) => {
    const reqId = request.id ?? 'none';
    if (UNLOGGED_URLS.has(request.url ?? '')) return next();
    const started = performance.now();
    const line = (msg: string, level: 'info' | 'warn' | 'error') => {
      if (!access.isLevelEnabled(level)) return;
      access[level]({ reqId, req: { method: request.method, url: request.url, remoteAddress: request.socket.remoteAddress }, res: { statusCode: response.statusCode }, responseTime: Math.round(performance.now() - started) }, msg);
    };
    response.once('close', () => {
      // An event stream (SSE) ends when its watcher leaves: that is how it ends, not an abort.
      if (!response.writableFinished && isEventStream(response)) line('event stream closed by the caller', 'info');
      else if (!response.writableFinished) line('request aborted', 'warn');
      else line('request completed', response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info');
    });
    next();
  };
}

function isEventStream(response: ServerResponse): boolean {
  return String(response.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

let messageCounter = 0;

/**
 * A message handler that handles each message in the context of its own logger: the request id
 * the manager forwards in the payload (else a counter), and a debug line when done — thousands of
 * agent events a second must not flood the log at info. A wrapper, not a Nest interceptor: an
 * interceptor puts every message (and every HTTP request of the application) through Nest's
 * rxjs pipeline and an async scope of its own.
 */
export function withMessageLogging<A extends unknown[], R>(root: Pino, pattern: string, handler: (data: unknown, ...rest: A) => Promise<R>): (data: unknown, ...rest: A) => Promise<R> {
  return (data, ...rest) => {
    const requestId = (data as { requestId?: unknown } | undefined)?.requestId;
    const reqId = typeof requestId === 'string' ? requestId : `rpc-${++messageCounter}`;
    // A pino child costs about as much as a line: made only when one is written.
    let child: Pino | undefined;
    const logger = () => (child ??= root.child({ reqId }));
    const started = performance.now();
    return runWithLogger(
      root,
      logger,
      async () => {
        const failed = (error: unknown) => logger().error({ pattern, err: error, responseTime: Math.round(performance.now() - started) }, 'message failed');
        const completed = () => root.isLevelEnabled('debug') && logger().debug({ pattern, responseTime: Math.round(performance.now() - started) }, 'message completed');
        try {
          const result = await handler(data, ...rest);
          // Nest hands a handler's error back as a stream that fails (its exception filter's answer).
          if (isObservable(result)) return result.pipe(tap({ error: failed, complete: completed })) as R;
          completed();
          return result;
        } catch (error) {
          failed(error);
          throw error;
        }
      },
      typeof requestId === 'string' ? requestId : undefined,
    );
  };
}

/** The process's logger for Nest (a microservice's messages: withMessageLogging). */
@Module({})
export class ProcessLoggingModule {
  static with(root: Pino): DynamicModule {
    return {
      module: ProcessLoggingModule,
      global: true,
      providers: [{ provide: ProcessLogger, useValue: new ProcessLogger(root) }],
      exports: [ProcessLogger],
    };
  }
}
