/** The agents benchmark's controller process: the real cloud controller, configured from the environment, with the simulated fleet as its local driver. */
import 'reflect-metadata';
import { join } from 'node:path';
import { controllerConfigFrom } from '../../../apps/cloud-controller/src/config';
import { startCloudController } from '../../../apps/cloud-controller/src/cloud-controller';
import { SimulatedFleetDriver } from './simulated-fleet.driver';

const config = controllerConfigFrom(process.env, { agentEntry: join(process.cwd(), 'dist/apps/cartridge-agent/src/main.js') });
startCloudController({ ...config, docker: 'off', drivers: { local: new SimulatedFleetDriver() } }, { log: { level: 'warn' } }).then(
  (controller) => {
    process.send!({ type: 'fleet:ready' });
    process.once('SIGTERM', () => void controller.close().then(() => process.exit(0)));
  },
  (error: Error) => {
    process.stderr.write(`fleet controller: ${error.stack}\n`);
    process.exit(1);
  },
);
