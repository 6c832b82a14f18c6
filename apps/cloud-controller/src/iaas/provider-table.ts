import type { IaasProvider, ProviderCheck } from '@stratos/contracts';

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

/** Drivers installed in this controller; each can verify that an image exists. None yet. */
export interface ImageVerifier {
  imageExists(imageId: string): Promise<boolean>;
}
const INSTALLED_DRIVERS: Readonly<Record<string, ImageVerifier>> = {};

export async function checkProviders(providers: IaasProvider[]): Promise<ProviderCheck[]> {
  return Promise.all(
    providers.map(async ({ type, imageId }): Promise<ProviderCheck> => {
      const driver = PROVIDER_DRIVERS[type] ?? null;
      if (!driver) return { type, driver, imageVerified: false, note: `no driver for IaaS type "${type}": stored, but deploying to it will be refused` };
      const verifier = INSTALLED_DRIVERS[driver];
      if (!verifier) return { type, driver, imageVerified: false, note: `the ${driver} driver is not installed in this controller yet: image "${imageId}" unverified` };
      const exists = await verifier.imageExists(imageId);
      return { type, driver, imageVerified: exists, note: exists ? 'image found' : `image "${imageId}" not found by the ${driver} driver` };
    }),
  );
}
