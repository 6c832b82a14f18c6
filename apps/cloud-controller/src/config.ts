import { DATABASE_PROTOCOLS, EnvVar, MQTT_PROTOCOLS, readUrl, type Env } from '@stratos/contracts';

export interface ControllerConfig {
  databaseUrl: string;
  mqttUrl: string;
}

export function controllerConfigFrom(env: Env): ControllerConfig {
  return {
    databaseUrl: readUrl(env, EnvVar.databaseUrl, DATABASE_PROTOCOLS, { required: true })!,
    mqttUrl: readUrl(env, EnvVar.mqttUrl, MQTT_PROTOCOLS, { required: true })!,
  };
}
