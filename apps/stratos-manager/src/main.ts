import 'reflect-metadata';
import { join } from 'node:path';
import { MEMBER_GATEWAY_MESSAGE } from '@stratos/contracts';
import { runMain } from '@stratos/runtime';
import { managerConfigFrom } from './config';
import { startStratosManager, type RunningManager } from './stratos-manager';

runMain('stratos-manager', async () => {
  // Started by npm start: docker members reach the API (their METADATA_SERVICE_URL) at the platform's Docker network gateway.
  let manager: RunningManager | null = null;
  const gateways = new Set<string>(); // one per region's Docker engine
  const listenOnGateway = (host: string) => manager?.listenAlso(host).catch((error: Error) => process.stderr.write(`the API cannot listen on ${host} too: ${error.message}\n`));
  process.on('message', (message: { type?: string; host?: string }) => {
    if (message?.type !== MEMBER_GATEWAY_MESSAGE || typeof message.host !== 'string' || gateways.has(message.host)) return;
    gateways.add(message.host);
    void listenOnGateway(message.host);
  });
  // The console's build (dist/console) sits beside dist/apps.
  manager = await startStratosManager({ ...managerConfigFrom(process.env), consoleDir: join(__dirname, '..', '..', '..', 'console') });
  for (const gateway of gateways) await listenOnGateway(gateway);
  const running = manager;
  return () => running.close();
});
