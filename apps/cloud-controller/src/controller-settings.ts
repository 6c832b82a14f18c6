import type { ControllerConfig } from './config';

/** The controller's configuration as an injectable (its fields are ControllerConfig's). */
export interface ControllerSettings extends ControllerConfig {}
export class ControllerSettings {
  constructor(config: ControllerConfig) {
    Object.assign(this, config);
  }
}
