import 'reflect-metadata';
import { runMain } from '@stratos/runtime';
import { controllerConfigFrom } from './config';
import { startCloudController } from './cloud-controller';

runMain('cloud-controller', async () => {
  const controller = await startCloudController(controllerConfigFrom(process.env));
  return () => controller.close();
});
