import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Transform, type Readable } from 'node:stream';
import {
  DEFAULT_REGION,
  DomainError,
  regionDriverName,
  REGION_NAME_PATTERN,
  TopologyEventType,
  validateArtifactInput,
  type ArtifactCreateRequest,
  type ArtifactDistributeRequest,
  type ArtifactDistributionAccepted,
  type ArtifactKeyRequest,
  type ArtifactProvider,
  type ArtifactRegionView,
  type ArtifactRemoveRequest,
  type ArtifactVersionView,
  type ArtifactView,
} from '@stratos/contracts';
import type { ImageStore } from '@stratos/iaas';
import { Database, type StoredArtifactRegion, type StoredArtifactVersion } from '@stratos/persistence';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { ControllerSettings } from '../controller-settings';
import { TopologyPublisher } from '../topology/topology-publisher.service';

/** Progress is stored and published at every this many percent of a copy (not every chunk). */
const PROGRESS_STEP = 10;

export function toArtifactVersionView(row: StoredArtifactVersion): ArtifactVersionView {
  const regions = Object.entries(row.regions)
    .map(([region, state]): ArtifactRegionView => ({ region, ...state }))
    .sort((a, b) => (a.region === row.sourceRegion ? -1 : b.region === row.sourceRegion ? 1 : a.region.localeCompare(b.region)));
  return { name: row.name, version: row.version, provider: row.provider, image: row.image, sourceRegion: row.sourceRegion, imageId: row.imageId, sizeBytes: row.sizeBytes, createdBy: row.createdBy, createdAt: row.createdAt.toISOString(), regions };
}

/**
 * Image artifacts and their distribution. A version is registered from an image a region's
 * engine has; `distribute` copies it to other regions, each on its own and in parallel: docker
 * save from a region that has it, streamed into docker load on the target, the bytes counted for
 * progress; on arrival the image id must be the version's (the digest of its configuration: the
 * copy is checked whole). A region that fails says why and is retried alone; a controller that
 * stops mid-copy starts the unfinished regions again (a load is all or nothing).
 */
@Injectable()
export class ImageArtifactsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ImageArtifactsService.name);
  /** Copies in flight, by name@version/region. */
  private readonly copying = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly database: Database,
    private readonly drivers: DriverRegistry,
    private readonly publisher: TopologyPublisher,
    private readonly controller: ControllerSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (this.controller.role === 'standby') return; // the leader's
    void this.resume().catch((error: Error) => this.logger.warn(`resuming artifact copies: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
  }

  async create(request: ArtifactCreateRequest): Promise<ArtifactVersionView> {
    const { actor, input } = request;
    const { value, errors } = validateArtifactInput(input);
    if (!value) throw DomainError.invalid('the artifact version is invalid', errors);
    const region = value.region ?? DEFAULT_REGION;
    const provider = value.provider ?? 'docker';
    const images = this.imagesIn(provider, region, '/region');
    // A local version from a folder: taken into the region's images as NAME:VERSION (the operator's folder stays as it is).
    const fromFolder = provider === 'local' && value.image.startsWith('/');
    const image = fromFolder ? `${value.name}:${value.version}` : value.image;
    if (fromFolder) {
      if (await this.database.artifacts.find(value.name, value.version)) throw DomainError.conflict(`artifact ${value.name}@${value.version} has a version ${value.version} already`);
      await images.import!(value.image, image).catch((error: Error) => {
        throw DomainError.invalid(`folder ${value.image} cannot be taken in as an image: ${error.message}`, [{ path: '/image', message: error.message }]);
      });
    }
    const found = await images.inspect(image);
    if (!found) throw DomainError.invalid(`image "${value.image}" is not in region ${region}'s ${provider === 'local' ? 'folder' : 'engine'}`, [{ path: '/image', message: provider === 'local' ? `not in region ${region}'s images: give a folder to take in` : `not in region ${region}'s engine: build, pull or load it there first` }]);
    const now = new Date();
    const row: StoredArtifactVersion = {
      name: value.name,
      version: value.version,
      provider,
      image,
      sourceRegion: region,
      imageId: found.id,
      sizeBytes: found.sizeBytes,
      createdBy: actor.username,
      createdAt: now,
      regions: { [region]: { state: 'Available', percent: 100, imageId: found.id, updatedAt: now.toISOString() } },
    };
    if (!(await this.database.artifacts.insert(row))) throw DomainError.conflict(`artifact ${value.name} has a version ${value.version} already`);
    await this.announce(row.name, row.version, region, row.regions[region]);
    return toArtifactVersionView(row);
  }

  async list(): Promise<ArtifactView[]> {
    const byName = new Map<string, ArtifactVersionView[]>();
    for (const row of await this.database.artifacts.list()) byName.set(row.name, [...(byName.get(row.name) ?? []), toArtifactVersionView(row)]);
    return [...byName].map(([name, versions]) => ({ name, versions }));
  }

  async get(request: ArtifactKeyRequest): Promise<ArtifactView> {
    const rows = await this.database.artifacts.list(request.name);
    if (rows.length === 0) throw DomainError.notFound(`artifact "${request.name}" does not exist`);
    return { name: request.name, versions: rows.map(toArtifactVersionView) };
  }

  async distribute(request: ArtifactDistributeRequest): Promise<ArtifactDistributionAccepted> {
    const version = await this.version(request.name, request.version);
    if (!Array.isArray(request.regions) || request.regions.length === 0 || request.regions.some((r) => typeof r !== 'string' || !REGION_NAME_PATTERN.test(r))) {
      throw DomainError.invalid('regions must name at least one region', [{ path: '/regions', message: 'a list of region names', allowed: this.regionsOf(version.provider) }]);
    }
    const targets = [...new Set(request.regions)];
    targets.forEach((region, index) => this.imagesIn(version.provider, region, `/regions/${index}`));
    const accepted: ArtifactRegionView[] = [];
    const toCopy: string[] = [];
    for (const region of targets) {
      const current = version.regions[region];
      const key = `${version.name}@${version.version}/${region}`;
      // Available as recorded, and still there: an image removed from that engine by hand is copied again.
      const stillThere = current?.state === 'Available' && (await this.imagesIn(version.provider, region, '/regions').inspect(version.image).catch(() => null))?.id === version.imageId;
      if (stillThere || this.copying.has(key)) {
        accepted.push({ region, ...(current ?? { state: 'Pending', percent: 0, updatedAt: new Date().toISOString() }) });
        continue;
      }
      const pending: StoredArtifactRegion = { state: 'Pending', percent: 0, updatedAt: new Date().toISOString() };
      await this.database.artifacts.setRegion(version.name, version.version, region, pending);
      await this.announce(version.name, version.version, region, pending);
      accepted.push({ region, ...pending });
      toCopy.push(region);
    }
    this.startCopies(version, toCopy);
    return { name: version.name, version: version.version, regions: accepted };
  }

  async remove(request: ArtifactRemoveRequest): Promise<ArtifactVersionView | { name: string; version: string }> {
    const version = await this.version(request.name, request.version);
    const inFlight = Object.keys(version.regions).filter((region) => this.copying.has(`${version.name}@${version.version}/${region}`) && (request.region === undefined || request.region === region));
    if (inFlight.length) throw DomainError.conflict(`artifact ${version.name}@${version.version} is being copied to ${inFlight.join(', ')}: wait for it to end`);
    const using = await this.database.artifacts.deploymentsUsing(version.name, version.version);
    if (using.length) throw DomainError.conflict(`artifact ${version.name}@${version.version} is what deployed application(s) ${using.join(', ')} run: undeploy them first`);
    if (request.region !== undefined) {
      if (!version.regions[request.region]) throw DomainError.notFound(`artifact ${version.name}@${version.version} has no copy in region ${request.region}`);
      await this.forgetCopy(version, request.region);
      await this.database.artifacts.removeRegion(version.name, version.version, request.region);
      return toArtifactVersionView((await this.database.artifacts.find(version.name, version.version))!);
    }
    for (const region of Object.keys(version.regions)) await this.forgetCopy(version, region);
    await this.database.artifacts.delete(version.name, version.version);
    return { name: version.name, version: version.version };
  }

  /** A copy this platform made goes from its engine; the source region's image is the operator's own and stays. */
  private async forgetCopy(version: StoredArtifactVersion, region: string): Promise<void> {
    if (region === version.sourceRegion || version.regions[region]?.state !== 'Available') return;
    const images = this.drivers.get(regionDriverName(version.provider, region))?.images;
    await images?.remove(version.image).catch((error: Error) => this.logger.warn(`artifact ${version.name}@${version.version}: removing its image from region ${region}: ${error.message}`));
  }

  private async resume(): Promise<void> {
    for (const version of await this.database.artifacts.unfinished()) {
      const unfinished = Object.entries(version.regions).filter(([, state]) => state.state === 'Pending' || state.state === 'Copying').map(([region]) => region);
      this.logger.log(`artifact ${version.name}@${version.version}: its copy to ${unfinished.join(', ')} was interrupted; starting it again`);
      this.startCopies(version, unfinished);
    }
  }

  /** Copies to these regions, each one's progress and outcome its own; one `docker save` feeds them all. */
  private startCopies(version: StoredArtifactVersion, regions: string[]): void {
    const keyOf = (region: string) => `${version.name}@${version.version}/${region}`;
    const fresh = regions.filter((region) => !this.copying.has(keyOf(region)));
    if (fresh.length === 0) return;
    const batch = this.copy(version, fresh).finally(() => fresh.forEach((region) => this.copying.delete(keyOf(region))));
    for (const region of fresh) this.copying.set(keyOf(region), batch);
  }

  private async copy(version: StoredArtifactVersion, regions: string[]): Promise<void> {
    const at = () => new Date().toISOString();
    const set = async (region: string, state: StoredArtifactRegion) => {
      if (this.stopped) return;
      await this.database.artifacts.setRegion(version.name, version.version, region, state);
      await this.announce(version.name, version.version, region, state);
    };
    const fail = async (region: string, error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      // A broken pipe or reset says little by itself: the target (or the source) went away mid-stream.
      const reason = code === 'EPIPE' || code === 'ECONNRESET' ? `the copy was cut: an engine closed the stream mid-copy (${(error as Error).message})` : (error as Error).message;
      this.logger.warn(`artifact ${version.name}@${version.version}: the copy to region ${region} failed: ${reason}`);
      await set(region, { state: 'Failed', percent: 0, reason, updatedAt: at() }).catch(() => undefined);
    };
    const started = Date.now();
    // The regions that need the bytes: one that has the image already is Available at once; one without an engine fails alone.
    const targets: { region: string; images: ImageStore }[] = [];
    for (const region of regions) {
      try {
        const images = this.imagesIn(version.provider, region, '/regions');
        const there = await images.inspect(version.image);
        if (there?.id === version.imageId) await set(region, { state: 'Available', percent: 100, imageId: there.id, updatedAt: at() });
        else targets.push({ region, images });
      } catch (error) {
        await fail(region, error);
      }
    }
    if (targets.length === 0) return;
    for (const { region } of targets) await set(region, { state: 'Copying', percent: 0, updatedAt: at() });
    let readable: Readable;
    try {
      readable = (await (await this.sourceOf(version, regions)).save(version.image)) as Readable;
    } catch (error) {
      for (const { region } of targets) await fail(region, error);
      return;
    }
    // One save, a branch per region, all piped before a byte flows: the source goes at the pace of the slowest live branch; a branch that fails is cut off alone.
    const branches = targets.map(({ region, images }) => {
      // Reported in order: each update waits for the one before (stored and published), never racing it.
      const progress = { bytes: 0, reported: 0, said: Promise.resolve() };
      const branch = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          progress.bytes += chunk.length;
          // The tar is about the image's size (its layers, uncompressed): a percentage of that, never 100 before the engine has it.
          const percent = Math.min(99, Math.floor((progress.bytes / Math.max(1, version.sizeBytes)) * 100));
          if (percent >= progress.reported + PROGRESS_STEP) {
            progress.reported = percent - (percent % PROGRESS_STEP);
            const state: StoredArtifactRegion = { state: 'Copying', percent: progress.reported, updatedAt: at() };
            progress.said = progress.said.then(() => set(region, state)).catch(() => undefined);
          }
          done(null, chunk);
        },
      });
      readable.pipe(branch);
      return { region, images, branch, progress };
    });
    readable.on('error', (error: Error) => branches.forEach(({ branch }) => branch.destroy(error)));
    await Promise.all(
      branches.map(async ({ region, images, branch, progress }) => {
        try {
          await images.load(branch);
          await progress.said; // its last Copying before it is Available
          const arrived = await images.inspect(version.image);
          if (!arrived) throw new Error(`the engine loaded the stream but has no ${version.image}`);
          if (arrived.id !== version.imageId) throw new Error(`it arrived as ${arrived.id}, not ${version.imageId}: the copy is not the image`);
          await set(region, { state: 'Available', percent: 100, imageId: arrived.id, updatedAt: at() });
          this.logger.log(`artifact ${version.name}@${version.version}: copied to region ${region} (${(progress.bytes / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        } catch (error) {
          readable.unpipe(branch);
          branch.resume(); // what is left in it goes nowhere, and holds the source back no more
          await fail(region, error);
        }
      }),
    );
  }

  /** The engine to copy from: the source region's, else any region that has the version and answers. */
  private async sourceOf(version: StoredArtifactVersion, except: string[]): Promise<ImageStore> {
    const candidates = [version.sourceRegion, ...Object.keys(version.regions).filter((r) => r !== version.sourceRegion)].filter((r) => !except.includes(r) && version.regions[r]?.state === 'Available');
    for (const region of candidates) {
      const images = this.drivers.get(regionDriverName(version.provider, region))?.images;
      if (images && (await images.inspect(version.image).catch(() => null))?.id === version.imageId) return images;
    }
    throw new Error(`no region that has it answers (${candidates.join(', ') || 'none'})`);
  }

  private async version(name: string, version: string): Promise<StoredArtifactVersion> {
    const row = typeof name === 'string' && typeof version === 'string' ? await this.database.artifacts.find(name, version) : null;
    if (!row) throw DomainError.notFound(`artifact ${String(name)}@${String(version)} does not exist`);
    return row;
  }

  private regionsOf(provider: ArtifactProvider): string[] {
    return this.drivers.regionsInstalled().filter((r) => r.driver === provider).map((r) => r.region);
  }

  /** The images of a region's docker engine (local: its folder); a region without one is the caller's mistake, at `pointer`. */
  private imagesIn(provider: ArtifactProvider, region: string, pointer: string): ImageStore {
    const images = this.drivers.get(regionDriverName(provider, region))?.images;
    const what = provider === 'local' ? 'local folder' : 'docker engine';
    if (!images) throw DomainError.invalid(`region ${region} has no ${what} in this controller`, [{ path: pointer, message: `no ${what} in region "${region}" (STRATOS_REGIONS)`, allowed: this.regionsOf(provider) }]);
    return images;
  }

  private async announce(name: string, version: string, region: string, state: StoredArtifactRegion): Promise<void> {
    const event = await this.database.transaction((tx) => tx.topology.append(TopologyEventType.ArtifactDistribution, { name, version, region: { region, ...state } }));
    await this.publisher.publish(event);
  }
}
