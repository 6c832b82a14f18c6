import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { IN_CI } from './test-env';

export const AGENT_IMAGE = 'stratos/cartridge-agent:latest';

/**
 * A Docker engine with the agent image (npm run images), or null after saying why (a failure
 * in CI). Synchronous, so that a suite can decide at definition time whether it runs.
 */
export function dockerForTests(): Docker | null {
  let reason: string | null = null;
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 5000 });
  if (info.status !== 0) reason = 'no Docker engine answers (.ci/run starts one)';
  else if (spawnSync('docker', ['image', 'inspect', AGENT_IMAGE], { timeout: 5000 }).status !== 0) reason = `the image ${AGENT_IMAGE} is missing (npm run images builds it)`;
  if (!reason) return new Docker();
  const message = `SKIPPED the Docker driver tests: ${reason}`;
  if (IN_CI) throw new Error(`${message}, and CI=true forbids skipping`);
  process.stdout.write(`${message}\n`);
  return null;
}

export const DEBIAN_CARTRIDGE_IMAGE = 'stratos/debian-cartridge:latest';
/** The platform's own image (deploy/swarm/stack.yml runs it). */
export const PLATFORM_IMAGE = 'stratos/platform:latest';

/**
 * Whether a Docker engine answers and has `image` (npm run images builds it); says why not (a
 * failure in CI). Default: the Debian cartridge image (Debian 12 with Java, ZooKeeper, HAProxy,
 * PostgreSQL and the agent).
 */
export function imageAvailable(what: string, image = DEBIAN_CARTRIDGE_IMAGE): boolean {
  let reason: string | null = null;
  if (spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 5000 }).status !== 0) reason = 'no Docker engine answers (.ci/run starts one)';
  else if (spawnSync('docker', ['image', 'inspect', image], { timeout: 5000 }).status !== 0) reason = `the image ${image} is missing (npm run images builds it)`;
  if (!reason) return true;
  const message = `SKIPPED ${what}: ${reason}`;
  if (IN_CI) throw new Error(`${message}, and CI=true forbids skipping`);
  process.stdout.write(`${message}\n`);
  return false;
}
