import Docker from 'dockerode';
import { IN_CI } from './test-env';

export const AGENT_IMAGE = 'stratos/cartridge-agent:latest';

/** A Docker engine with the agent image (npm run images), or null after saying why (a failure in CI). */
export async function dockerForTests(): Promise<Docker | null> {
  const docker = new Docker();
  let reason: string | null = null;
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
    try {
      await docker.getImage(AGENT_IMAGE).inspect();
    } catch {
      reason = `the image ${AGENT_IMAGE} is missing (npm run images builds it)`;
    }
  } catch {
    reason = 'no Docker engine answers (.ci/run starts one)';
  }
  if (!reason) return docker;
  const message = `SKIPPED the Docker driver tests: ${reason}`;
  if (IN_CI) throw new Error(`${message}, and CI=true forbids skipping`);
  process.stdout.write(`${message}\n`);
  return null;
}
