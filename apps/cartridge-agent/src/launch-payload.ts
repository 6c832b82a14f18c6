import { LaunchKey, type PortBinding } from '@stratos/contracts';

export interface LaunchPayload {
  applicationId: string;
  serviceName: string;
  clusterId: string;
  memberId: string;
  alias: string;
  brokerUrl: string;
  brokerUsername?: string;
  brokerPassword?: string;
  ports: PortBinding[];
  startCommand?: string;
  healthIntervalMs: number;
  readyTimeoutMs: number;
}

/** Reads the launch payload from the environment; a missing key is a clear error. */
export function readLaunchPayload(env: NodeJS.ProcessEnv): LaunchPayload {
  const need = (key: string) => {
    const value = env[key];
    if (!value) throw new Error(`the launch payload has no ${key}`);
    return value;
  };
  let ports: PortBinding[] = [];
  if (env[LaunchKey.portMappings]) {
    try {
      ports = JSON.parse(env[LaunchKey.portMappings]!) as PortBinding[];
    } catch {
      throw new Error(`${LaunchKey.portMappings} is not JSON`);
    }
  }
  return {
    applicationId: need(LaunchKey.applicationId),
    serviceName: need(LaunchKey.serviceName),
    clusterId: need(LaunchKey.clusterId),
    memberId: need(LaunchKey.memberId),
    alias: env[LaunchKey.cartridgeAlias] ?? '',
    brokerUrl: need(LaunchKey.mbUrls).split(',')[0].trim(),
    brokerUsername: env[LaunchKey.mbUsername] || undefined,
    brokerPassword: env[LaunchKey.mbPassword] || undefined,
    ports,
    startCommand: env[LaunchKey.startCommand] || undefined,
    healthIntervalMs: Number(env[LaunchKey.healthIntervalMs] ?? 5000),
    readyTimeoutMs: Number(env[LaunchKey.readyTimeoutMs] ?? 60_000),
  };
}
