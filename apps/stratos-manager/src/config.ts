import {
  DATABASE_PROTOCOLS,
  DEFAULT_API_PORT,
  EnvVar,
  MQTT_PROTOCOLS,
  readInteger,
  readPemFile,
  readPort,
  readString,
  readUrl,
  ConfigError,
  MIN_PASSWORD_LENGTH,
  type Env,
} from '@stratos/contracts';
import { resolve } from 'node:path';

export interface ManagerConfig {
  databaseUrl: string;
  mqttUrl: string;
  /** MQTT_CA_CERT's certificate: the one trusted for an mqtts:// broker. */
  mqttCaCert?: string;
  /** Where the first start writes admin-credentials. */
  home: string;
  /** The first start's admin password (STRATOS_ADMIN_PASSWORD); absent: a random one, written to home/admin-credentials. */
  adminPassword?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  rpcTimeoutMs: number;
  bodyLimitBytes: number;
  tokenTtlHours: number;
  /** Failed logins allowed per user and per address in a window before POST /api/tokens answers 429. */
  loginThrottle?: LoginThrottle;
  /** Audit entries older than this go; default 90. */
  auditRetentionDays?: number;
  /** Serve HTTPS with this certificate and key (PEM files); absent: plain HTTP. */
  tls?: { certFile: string; keyFile: string };
  /** The built console (dist/console), served at /; absent: no console. */
  consoleDir?: string;
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

export interface LoginThrottle {
  perUser: number;
  perAddress: number;
  windowS: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottle = { perUser: 10, perAddress: 50, windowS: 900 };

export function managerConfigFrom(env: Env): ManagerConfig {
  return {
    databaseUrl: readUrl(env, EnvVar.databaseUrl, DATABASE_PROTOCOLS, { required: true })!,
    mqttUrl: readUrl(env, EnvVar.mqttUrl, MQTT_PROTOCOLS, { required: true })!,
    mqttCaCert: readPemFile(env, EnvVar.mqttCaCert),
    home: resolve(readString(env, EnvVar.home, '.stratos')),
    adminPassword: readAdminPassword(env),
    host: readString(env, EnvVar.apiHost, '127.0.0.1'),
    port: readPort(env, EnvVar.apiPort, DEFAULT_API_PORT),
    rpcTimeoutMs: readInteger(env, EnvVar.rpcTimeoutMs, 5000, { min: 100, max: 120_000 }),
    bodyLimitBytes: readInteger(env, EnvVar.bodyLimitBytes, 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    tokenTtlHours: readInteger(env, EnvVar.tokenTtlHours, 24 * 30, { min: 1, max: 24 * 365 }),
    auditRetentionDays: readInteger(env, EnvVar.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS, { min: 1, max: 3650 }),
    loginThrottle: {
      perUser: readInteger(env, EnvVar.loginFailuresPerUser, DEFAULT_LOGIN_THROTTLE.perUser, { min: 1, max: 100_000 }),
      perAddress: readInteger(env, EnvVar.loginFailuresPerAddress, DEFAULT_LOGIN_THROTTLE.perAddress, { min: 1, max: 1_000_000 }),
      windowS: readInteger(env, EnvVar.loginWindowS, DEFAULT_LOGIN_THROTTLE.windowS, { min: 1, max: 86_400 }),
    },
    tls: tlsFiles(env),
  };
}

function readAdminPassword(env: Env): string | undefined {
  const password = env[EnvVar.adminPassword];
  if (password === undefined || password === '') return undefined;
  if (password.length < MIN_PASSWORD_LENGTH) throw new ConfigError(EnvVar.adminPassword, `must be at least ${MIN_PASSWORD_LENGTH} characters (it has ${password.length})`);
  return password;
}

function tlsFiles(env: Env): ManagerConfig['tls'] {
  const certFile = readString(env, EnvVar.tlsCert, '');
  const keyFile = readString(env, EnvVar.tlsKey, '');
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError(certFile ? EnvVar.tlsKey : EnvVar.tlsCert, `missing: the API's TLS needs ${EnvVar.tlsCert} and ${EnvVar.tlsKey} both (PEM files)`);
  return { certFile: resolve(certFile), keyFile: resolve(keyFile) };
}

/** The manager's configuration as an injectable (its fields are ManagerConfig's). */
export interface ManagerSettings extends ManagerConfig {}
export class ManagerSettings {
  constructor(config: ManagerConfig) {
    Object.assign(this, config);
  }
}
