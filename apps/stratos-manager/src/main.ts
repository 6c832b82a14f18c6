import 'reflect-metadata';
import { runMain } from '@stratos/runtime';
import { managerConfigFrom } from './config';
import { startStratosManager } from './stratos-manager';

runMain('stratos-manager', async () => {
  const manager = await startStratosManager(managerConfigFrom(process.env));
  return () => manager.close();
});
