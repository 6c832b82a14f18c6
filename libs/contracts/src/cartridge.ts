import type { BundleInfo } from './bundles/bundle-archive';
import { cartridgeSchema } from './cartridge.schema';
import { validateAgainst, type ValidateOptions, type ValidationResult } from './validation';

export interface NameValue {
  name: string;
  value?: string;
}

export interface PortMapping {
  name?: string;
  protocol: string;
  port: number;
  proxyPort?: number;
  kubernetesPortType?: 'NodePort' | 'ClusterIP';
}

export interface NetworkInterface {
  networkUuid?: string;
  fixedIp?: string;
  portUuid?: string;
  floatingNetworks?: { name?: string; networkUuid?: string; floatingIP?: string }[];
}

export interface IaasProvider {
  type: string;
  imageId: string;
  name?: string;
  className?: string;
  provider?: string;
  identity?: string;
  credential?: string;
  property?: NameValue[];
  networkInterfaces?: NetworkInterface[];
}

export interface Volume {
  id: string;
  size?: number;
  device?: string;
  mappingPath?: string;
  removeOnTermination?: boolean;
  snapshotId?: string;
  volumeId?: string;
}

/** cartridge.json as a user writes it (after normalization). */
export interface CartridgeDefinition {
  type: string;
  provider: string;
  category: string;
  host?: string;
  displayName?: string;
  description?: string;
  version?: string;
  multiTenant?: boolean;
  isPublic?: boolean;
  loadBalancingIPType?: 'public' | 'private';
  tenantPartitions?: string;
  portMapping?: PortMapping[];
  iaasProvider: IaasProvider[];
  persistence?: { required?: boolean; volume?: Volume[] };
  deployment?: { baseDir?: string; dir?: string[] };
  property?: NameValue[];
  metadataKeys?: string[];
}

/** What the platform found when it checked one iaasProvider entry. */
export interface ProviderCheck {
  type: string;
  /** The driver the platform's provider table maps the type to, null when it has none. */
  driver: string | null;
  imageVerified: boolean;
  note: string;
}

/** One row of the platform's provider table (GET /api/iaasProviders). */
export interface IaasProviderView {
  /** What a cartridge's iaasProvider[].type names. */
  type: string;
  driver: string;
  /** Whether this controller has the driver now (docker: an engine answered at its start). */
  installed: boolean;
}

/** Server-derived facts about a stored cartridge; a client never sets them. */
export interface CartridgeStatus {
  createdAt: string;
  updatedAt: string;
  /** Bumped by every update. */
  generation: number;
  providers: ProviderCheck[];
  /** Its bundle (confdir, provisioning steps, hooks), when it has one. */
  bundle: BundleInfo | null;
}

/** A cartridge as the API returns it: the definition (secrets redacted) and its status. */
export interface CartridgeView extends CartridgeDefinition {
  status: CartridgeStatus;
}

/** Keys of a CartridgeView that a client may send back unchanged and that are ignored. */
export const CARTRIDGE_READ_ONLY_KEYS = ['status'];

export function validateCartridge(input: unknown, options: ValidateOptions = {}): ValidationResult<CartridgeDefinition> {
  return validateAgainst<CartridgeDefinition>(cartridgeSchema, input, { readOnlyKeys: CARTRIDGE_READ_ONLY_KEYS, ...options });
}
