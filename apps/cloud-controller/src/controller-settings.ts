import type { ControllerConfig } from './config';

/** The controller's configuration as an injectable. */
export class ControllerSettings implements ControllerConfig {
  databaseUrl: string;
  mqttUrl: string;

  constructor(config: ControllerConfig) {
    Object.assign(this, config);
  }
}
