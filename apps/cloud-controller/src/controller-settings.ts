import type { ControllerConfig } from './config';

/** The controller's configuration as an injectable (its fields are ControllerConfig's). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface ControllerSettings extends ControllerConfig {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ControllerSettings {
  constructor(config: ControllerConfig) {
    Object.assign(this, config);
  }
}
