import type { ControllerConfig } from './config';

/** The controller's configuration as an injectable. */
export class ControllerSettings implements ControllerConfig {
  databaseUrl: string;
  mqttUrl: string;
  home: string;
  agentEntry: string;
  memberSecret?: string;
  agentMqttUrl?: string;
  reconcileIntervalMs: number;
  memberStartTimeoutMs: number;
  docker?: 'auto' | 'on' | 'off';

  constructor(config: ControllerConfig) {
    Object.assign(this, config);
  }
}
