import { parseArtifactImageRef, type IaasProvider, type ProviderCheck } from '@stratos/contracts';
import type { DriverRegistry } from './driver-registry.service';

/**
 * The platform's provider table: a cartridge's `iaasProvider[].type` → the driver that runs
 * it. Stratos's `mock` maps to `local`, so that Stratos samples run as real processes.
 * Types not listed (ec2, openstack, gce, kubernetes, …) are stored and refused at deploy.
 */
export const PROVIDER_DRIVERS: Readonly<Record<string, string>> = {
  docker: 'docker',
  local: 'local',
  mock: 'local',
  swarm: 'swarm',
};

export function driverNameFor(providerType: string): string | null {
  return PROVIDER_DRIVERS[providerType] ?? null;
}

export async function checkProviders(providers: IaasProvider[], drivers: DriverRegistry): Promise<ProviderCheck[]> {
  return Promise.all(
    providers.map(async ({ type, imageId }): Promise<ProviderCheck> => {
      const driver = driverNameFor(type);
      if (!driver) return { type, driver, imageVerified: false, note: `no driver for IaaS type "${type}": stored, but deploying to it will be refused` };
      const installed = drivers.get(driver);
      if (!installed) return { type, driver, imageVerified: false, note: `the ${driver} driver is not installed in this controller yet: image "${imageId}" unverified` };
      const artifact = parseArtifactImageRef(imageId);
      if (artifact) return { type, driver, imageVerified: false, note: `image artifact ${artifact.name}${artifact.version ? `@${artifact.version}` : ' (its newest version)'}: each region's copy is chosen at deploy, where it must be Available` };
      const exists = await installed.imageExists(imageId);
      return { type, driver, imageVerified: exists, note: exists ? (driver === 'local' ? 'the local driver runs the cartridge agent itself' : 'image found') : `image "${imageId}" not found by the ${driver} driver` };
    }),
  );
}
