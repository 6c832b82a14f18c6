import { Logger, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { safeUrl } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { createRootLogger, ProcessLogger, type LogOptions, brokerTrust } from '@stratos/runtime';
import { CloudControllerModule } from './app.module';
import type { ControllerConfig } from './config';
import { ControllerSettings } from './controller-settings';

export interface RunningController {
  app: INestMicroservice;
  database: Database;
  close(): Promise<void>;
}

/** Starts a cloud controller: migrates the database, then serves requests over MQTT. */
export async function startCloudController(config: ControllerConfig, options: { logger?: false; log?: LogOptions } = {}): Promise<RunningController> {
  const root = createRootLogger('cloud-controller', options.logger === false ? { level: 'silent', ...options.log } : options.log);
  const logger = new Logger('CloudController');
  const database = await Database.open({ url: config.databaseUrl, applicationName: 'stratos-cloud-controller' });
  try {
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(CloudControllerModule.with(new ControllerSettings(config), database, root), {
      transport: Transport.MQTT,
      options: {
        ...brokerTrust(config.mqttCaCert),
        url: config.mqttUrl,
        clientId: `stratos-cc-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
        subscribeOptions: { qos: 1 },
        reconnectPeriod: 1000,
        connectTimeout: 5000,
      },
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(ProcessLogger));
    await app.listen();
    logger.log(`serving requests over MQTT at ${safeUrl(config.mqttUrl)}`);
    return {
      app,
      database,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
