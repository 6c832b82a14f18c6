import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ManagerMetrics } from './metrics/manager-metrics.service';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withResponses } from './http/openapi-responses';
import { Database } from '@stratos/persistence';
import { createRootLogger, describeListenError, httpLogging, loadTlsPair, ProcessLogger, type LogOptions } from '@stratos/runtime';
import { StratosManagerModule } from './app.module';
import { ManagerSettings, type ManagerConfig } from './config';
import { jsonBody, passParsedBody, rejectedByRouter, urlInput } from './http/json-body';
import { chooseRequestId, requestContext, requestId } from './http/request-id';
import { routeOf, type RawRequest } from './http/raw-http';
import { AuditTrail } from './audit/audit-trail';
import { consoleAssets } from './http/console-assets';
import { apiDocsPage } from './http/api-docs-page';

export interface RunningManager {
  app: INestApplication;
  /** http(s)://host:port, without /api. */
  url: string;
  database: Database;
  /** Serves the API on another address too, on the same port (the platform's Docker network gateway, for its members' METADATA_SERVICE_URL). */
  listenAlso(host: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the stratos-manager: the REST API under /api, its OpenAPI document at /api/docs, the console at /. */
export async function startStratosManager(config: ManagerConfig, options: { logger?: false; log?: LogOptions } = {}): Promise<RunningManager> {
  const root = createRootLogger('stratos-manager', options.logger === false ? { level: 'silent', ...options.log } : options.log);
  const database = await Database.open({ url: config.databaseUrl, applicationName: 'stratos-manager' });
  let app: NestFastifyApplication | undefined;
  const audit = new AuditTrail(database);
  try {
    const tls = config.tls ? await loadTlsPair(config.tls.certFile, config.tls.keyFile) : null;
    const httpsOptions = tls ? { cert: tls.cert, key: tls.key } : undefined;
    // Fastify under Nest: its part of a request costs a third of Express's (measured with the same guard and middleware).
    const adapter = new FastifyAdapter({
      ...(httpsOptions ? { https: httpsOptions } : {}),
      genReqId: chooseRequestId,
      frameworkErrors: rejectedByRouter,
      // As the API behaved on Express: any case, a trailing slash, and names as long as a URL allows.
      routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 8192 },
      // Bodies are read by jsonBody (its own limits and error bodies); Fastify's own limit would come first.
      bodyLimit: Number.MAX_SAFE_INTEGER,
    });
    app = await NestFactory.create<NestFastifyApplication>(StratosManagerModule.with(new ManagerSettings(config), database, root), adapter, {
      bodyParser: false,
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(ProcessLogger));
    passParsedBody(adapter.getInstance());
    // The route's pattern, for the audit trail and the metrics (middleware sees only the bare request).
    adapter.getInstance().addHook('onRequest', (request, _reply, done) => {
      (request.raw as RawRequest).routePattern = request.routeOptions.url;
      done();
    });
    app.use(requestId());
    app.use(httpLogging(root));
    app.use(consoleAssets(config.consoleDir));
    app.use(apiDocsPage());
    app.use(audit.middleware());
    app.use(urlInput());
    app.use(jsonBody(config.bodyLimitBytes));
    app.use(requestContext(root));
    app.setGlobalPrefix('api', { exclude: ['metrics'] }); // Prometheus's own path
    const metrics = app.get(ManagerMetrics);
    app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
      const done = metrics.http.startTimer({ method: request.method });
      // The route's pattern, not its path: a label per cartridge would grow without bound.
      response.once('finish', () => done({ route: routeOf(request) ?? 'unmatched', status: String(response.statusCode) }));
      next();
    });
    const document = withResponses(SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Stratos cartridge orchestrator')
        .setDescription('Cartridges, topology and tenants. Authenticate with POST /api/tokens, then send Authorization: Bearer <token>.')
        .setVersion('0.1')
        .addBearerAuth()
        .build(),
    ));
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/json', ui: false }); // the page: apiDocsPage
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      throw describeListenError(error, 'stratos-manager API', config.port, 'STRATOS_API_PORT');
    }
    keepIdleConnectionsOpen(app.getHttpServer());
    const address = app.getHttpServer().address() as { port: number };
    const url = `${tls ? 'https' : 'http'}://${config.host}:${address.port}`;
    new Logger('StratosManager').log(`API on ${url}/api (OpenAPI at ${url}/api/docs, the console at ${url}/)${tls ? `; TLS certificate ${tls.fingerprint}` : ''}`);
    const running = app;
    const extra: Server[] = [];
    return {
      app,
      url,
      database,
      async listenAlso(host: string) {
        // The same application behind a second server: its requests handed to the first one's handler.
        const primary = running.getHttpServer();
        const handler = (request: IncomingMessage, response: ServerResponse) => void primary.emit('request', request, response);
        const server = httpsOptions ? createHttpsServer(httpsOptions, handler) : createServer(handler);
        await new Promise<void>((resolve, reject) => {
          server.once('error', (error) => reject(describeListenError(error, `stratos-manager API (on ${host})`, address.port, 'STRATOS_API_PORT')));
          server.listen(address.port, host, () => resolve());
        });
        keepIdleConnectionsOpen(server);
        extra.push(server);
      },
      close: async () => {
        await Promise.all(extra.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
        await running.close();
        await audit.close();
        await database.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
}

/**
 * How long an idle keep-alive connection stays open: longer than clients and balancers keep theirs
 * (Node's own 5 s closed connections that clients were about to reuse: a request on one fails with
 * ECONNRESET, and a POST is not retried), as is usual behind a load balancer (60 s there).
 */
const IDLE_CONNECTION_MS = 65_000;

function keepIdleConnectionsOpen(server: Server): void {
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.headersTimeout = IDLE_CONNECTION_MS + 1000; // must outlast keepAliveTimeout
}
