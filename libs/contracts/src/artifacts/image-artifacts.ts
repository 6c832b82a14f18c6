/**
 * Image artifacts: an image built once, sold in many regions. An artifact has a name and
 * versions; a version has a source image in one region and, per region it was distributed to,
 * a state and that region's own image id. Distribution copies the image engine to engine
 * (docker save → docker load, streamed; the image id — the digest of its configuration — must be
 * the same on arrival, which checks the copy), each region on its own, in parallel.
 */
import type { FieldIssue } from '../errors';
import type { RequestActor } from '../rpc';
import { IMAGE_TAG_PATTERN } from '../runtime/baked-images';
import { REGION_NAME_PATTERN } from '../runtime/regions';

/** An image reference: an optional registry with its port (registry.lan:5000/), then repository[:tag] as a bake names one. */
export const IMAGE_REFERENCE_PATTERN = new RegExp(`^(?:[a-z0-9.-]+:\\d{1,5}/)?${IMAGE_TAG_PATTERN.source.slice(1)}`);
export const ARTIFACT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const ARTIFACT_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,62}$/;

export type ArtifactRegionState = 'Pending' | 'Copying' | 'Available' | 'Failed';

/** What kind of image a version is: a docker engine's, or a local region's directory tree (a root file system). */
export const ARTIFACT_PROVIDERS = ['docker', 'local'] as const;
export type ArtifactProvider = (typeof ARTIFACT_PROVIDERS)[number];

export interface ArtifactRegionView {
  region: string;
  state: ArtifactRegionState;
  /** Copying: how much of the image has arrived (0–99); Available: 100. */
  percent: number;
  /** Available: the image's id in that region's engine. */
  imageId?: string;
  /** Failed: why. */
  reason?: string;
  updatedAt: string;
}

export interface ArtifactVersionView {
  name: string;
  version: string;
  /** docker: images of docker engines' regions; local: directory trees of local regions' folders. */
  provider: ArtifactProvider;
  /** The image (repository:tag) as each region's engine names it (local: NAME:VERSION, a tree in each region's `images` folder). */
  image: string;
  /** The region it was registered in (Available there from the start). */
  sourceRegion: string;
  imageId: string;
  sizeBytes: number;
  createdBy: string;
  createdAt: string;
  regions: ArtifactRegionView[];
}

export interface ArtifactView {
  name: string;
  versions: ArtifactVersionView[];
}

/** POST /api/artifacts: a version of an artifact, from an image already in a region's engine (local: a folder on the controller's host, taken in). */
export interface ArtifactCreateInput {
  name: string;
  version: string;
  /** docker (default) or local. */
  provider?: ArtifactProvider;
  /** The region whose engine has the image (default: the default region). */
  region?: string;
  /** docker: repository[:tag]; local: an absolute folder (a root file system) on the controller's host, copied in as NAME:VERSION, or NAME:TAG of an image the region's folder has. */
  image: string;
}

export interface ArtifactCreateRequest {
  actor: RequestActor;
  /** The body as it came (validateArtifactInput checks it). */
  input: unknown;
}
export interface ArtifactKeyRequest {
  name: string;
  version?: string;
}
export interface ArtifactDistributeRequest {
  actor: RequestActor;
  name: string;
  version: string;
  regions: string[];
}
export interface ArtifactRemoveRequest {
  actor: RequestActor;
  name: string;
  version: string;
  /** Only this region's copy (the image removed from its engine); absent: the whole version, every region's copy. */
  region?: string;
}

/** What distribute answers at once; the regions' progress follows as ArtifactDistribution events. */
export interface ArtifactDistributionAccepted {
  name: string;
  version: string;
  regions: ArtifactRegionView[];
}

/** A topology event: a region's copy of an artifact version changed state or made progress. */
export interface ArtifactDistributionPayload {
  name: string;
  version: string;
  region: ArtifactRegionView;
}

/** What a cartridge's iaasProvider[].imageId says to name an artifact instead of an image: `artifact:NAME[@VERSION]`. */
export const ARTIFACT_IMAGE_PREFIX = 'artifact:';

/** The artifact (and version; none: its newest) an imageId names, or null for a plain image. */
export function parseArtifactImageRef(imageId: string): { name: string; version?: string } | null {
  if (!imageId.startsWith(ARTIFACT_IMAGE_PREFIX)) return null;
  const [name, version, ...rest] = imageId.slice(ARTIFACT_IMAGE_PREFIX.length).split('@');
  if (rest.length || !ARTIFACT_NAME_PATTERN.test(name) || (version !== undefined && !ARTIFACT_VERSION_PATTERN.test(version))) return null;
  return version === undefined ? { name } : { name, version };
}

/** A local image's name (name:tag), as a local region's folder keeps it. */
export const LOCAL_IMAGE_REFERENCE_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,127}:[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;
/** An absolute folder on the controller's host (no `..`, no NUL). */
const ABSOLUTE_FOLDER_PATTERN = /^\/(?!.*(?:^|\/)\.\.(?:\/|$))[^\0]{0,4095}$/;

/** The body of POST /api/artifacts, checked: what is wrong, each at its pointer. */
export function validateArtifactInput(body: unknown): { value?: ArtifactCreateInput; errors: FieldIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { errors: [{ path: '', message: 'must be an object: {name, version, provider?, region?, image}' }] };
  const input = body as Record<string, unknown>;
  const errors: FieldIssue[] = [];
  const known = ['name', 'version', 'provider', 'region', 'image'];
  for (const key of Object.keys(input)) if (!known.includes(key)) errors.push({ path: `/${key}`, message: 'is not a field of an artifact version', allowed: known });
  const check = (key: string, pattern: RegExp, what: string, required = true) => {
    const value = input[key];
    if (value === undefined && !required) return;
    if (typeof value !== 'string' || !pattern.test(value)) errors.push({ path: `/${key}`, message: value === undefined ? 'is required' : `must be ${what}` });
  };
  check('name', ARTIFACT_NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-", up to 63, starting with a letter or digit');
  check('version', ARTIFACT_VERSION_PATTERN, 'letters, digits, ".", "_", "+" and "-", up to 63, starting with a letter or digit');
  check('region', REGION_NAME_PATTERN, 'a region name (lower-case letters, digits and "-")', false);
  const provider = input.provider ?? 'docker';
  if (!ARTIFACT_PROVIDERS.includes(provider as ArtifactProvider)) errors.push({ path: '/provider', message: 'must be a provider whose images can be artifacts', allowed: [...ARTIFACT_PROVIDERS] });
  else if (provider === 'docker') check('image', IMAGE_REFERENCE_PATTERN, 'an image reference: [registry:port/]repository[:tag], lower-case');
  else if (typeof input.image !== 'string' || !(ABSOLUTE_FOLDER_PATTERN.test(input.image) || LOCAL_IMAGE_REFERENCE_PATTERN.test(input.image))) {
    errors.push({ path: '/image', message: input.image === undefined ? 'is required' : 'must be an absolute folder on the controller\'s host (a root file system to take in) or NAME:TAG of an image in the region\'s folder' });
  }
  if (errors.length) return { errors };
  const image = input.image as string;
  // Without a tag, docker means :latest: said so, so that every region names the same image.
  const value: ArtifactCreateInput = { name: input.name as string, version: input.version as string, image: provider === 'docker' && !/:[^/]+$/.test(image) ? `${image}:latest` : image };
  if (input.provider !== undefined) value.provider = provider as ArtifactProvider;
  if (input.region !== undefined) value.region = input.region as string;
  return { value, errors };
}
