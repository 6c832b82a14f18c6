import 'reflect-metadata';
import { join } from 'node:path';
import { runMain } from '@stratos/runtime';
import { controllerConfigFrom } from './config';
import { startCloudController } from './cloud-controller';

runMain('cloud-controller', async () => {
  const controller = await startCloudController(controllerConfigFrom(process.env, { agentEntry: join(__dirname, '..', '..', 'cartridge-agent', 'src', 'main.js') }));
  return () => controller.close();
});
