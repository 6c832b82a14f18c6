/**
 * Where the CLI finds the API and its token: flags, then STRATOS_URL / STRATOS_TOKEN, then the
 * file `stratos login` writes (~/.stratos/cli.json, or STRATOS_CLI_CONFIG), mode 0600, which
 * also keeps the API's pinned certificate (STRATOS_CA_CERT names a PEM file instead).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CliSettings {
  url?: string;
  token?: string;
  username?: string;
  /** The API's self-signed certificate (PEM), pinned at login by its fingerprint. */
  certificate?: string;
}

export function configPath(): string {
  return process.env.STRATOS_CLI_CONFIG ?? join(homedir(), '.stratos', 'cli.json');
}

export function readCliSettings(): CliSettings {
  const path = configPath();
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CliSettings;
  } catch {
    return {};
  }
}

export function writeCliSettings(settings: CliSettings): void {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** npm start's API (HTTPS with its self-signed certificate unless STRATOS_TLS=off). */
export const DEFAULT_URL = 'https://127.0.0.1:9443';
