import 'reflect-metadata';
import { join } from 'node:path';
import { MEMBER_SECRET_MESSAGE } from '@stratos/contracts';
import { runMain } from '@stratos/runtime';
import { controllerConfigFrom } from './config';
import { ControllerSettings } from './controller-settings';
import { startCloudController } from './cloud-controller';

runMain('cloud-controller', async () => {
  const config = controllerConfigFrom(process.env, { agentEntry: join(__dirname, '..', '..', 'cartridge-agent', 'src', 'main.js') });
  // Started by npm start: a member secret rotated while it runs makes new members' passwords from now on.
  let settings: ControllerSettings | null = null;
  process.on('message', (message: { type?: string; secret?: unknown }) => {
    if (message?.type !== MEMBER_SECRET_MESSAGE || typeof message.secret !== 'string' || !config.memberSecret) return;
    config.memberSecret = message.secret;
    if (settings) settings.memberSecret = message.secret;
  });
  const controller = await startCloudController(config);
  const running = controller.app.get(ControllerSettings);
  if (config.memberSecret) running.memberSecret = config.memberSecret; // one that came while it started
  settings = running;
  return () => controller.close();
});
