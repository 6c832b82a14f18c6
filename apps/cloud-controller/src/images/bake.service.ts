import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { parse as parseToml } from 'smol-toml';
import { DomainError, IMAGE_TAG_PATTERN, MemberStatus, readBundle, TopologyEventType, type BakedImageView, type BakeRequest, type OperationAccepted } from '@stratos/contracts';
import { Database, type BakedImageEntity } from '@stratos/persistence';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { TopologyPublisher } from '../topology/topology-publisher.service';

/** What is the member's own and never goes into a baked image: agent state and bundle, temporary and run-time files. */
const MEMBER_PATHS = ['var/lib/stratos/*', 'tmp/*', 'var/tmp/*', 'run/*'];

export function toBakedImageView(row: BakedImageEntity): BakedImageView {
  return { ...row, bakedAt: row.bakedAt.toISOString() };
}

/** Where a bundle's templates render to (its confd/conf.d/*.toml dests): the member's own config. */
export function renderedDests(bundle: Uint8Array | null): string[] {
  if (!bundle) return [];
  const dests: string[] = [];
  for (const entry of readBundle(bundle)) {
    if (entry.kind !== 'file' || !/^confd\/conf\.d\/[^/]+\.toml$/.test(entry.path)) continue;
    try {
      const dest = (parseToml(Buffer.from(entry.content ?? []).toString('utf8')) as { template?: { dest?: unknown } }).template?.dest;
      if (typeof dest === 'string' && dest.startsWith('/')) dests.push(dest.replace(/^\/+/, ''));
    } catch {
      // a resource that does not parse renders nothing
    }
  }
  return dests;
}

/**
 * `stratos image bake --from-member M`: a provisioned docker member becomes its cartridge's
 * fully configured image. Later docker members of the cartridge start from it with
 * IMAGE_KIND=configured (provisioning skipped). It runs as an operation: 202 at once, then a
 * MemberNotice when it is done (or failed), and the operation's result.
 */
@Injectable()
export class BakeService {
  private readonly logger = new Logger(BakeService.name);

  constructor(
    private readonly database: Database,
    private readonly drivers: DriverRegistry,
    private readonly publisher: TopologyPublisher,
  ) {}

  async bake(request: BakeRequest): Promise<OperationAccepted> {
    if (request.tag !== undefined && (typeof request.tag !== 'string' || !IMAGE_TAG_PATTERN.test(request.tag) || request.tag.length > 255)) {
      throw DomainError.invalid(`"${String(request.tag)}" is not an image name`, [{ path: '/tag', message: 'must be repository[:tag]: lower-case letters, digits, ".", "_", "-" and "/" (a tag also upper-case), at most 255 characters' }]);
    }
    const member = await this.database.runtime.findMember(request.fromMember);
    if (!member) throw DomainError.notFound(`member "${request.fromMember}" does not exist`);
    const driver = this.drivers.get(member.driver);
    if (!driver?.bake) {
      throw DomainError.invalid(`member "${member.memberId}" runs on the ${member.driver} driver, which cannot bake images: only docker members can (an image is what they start from)`, [{ path: '/fromMember', message: `runs on the ${member.driver} driver; baking needs the docker driver` }]);
    }
    if (member.status !== MemberStatus.Active || !member.instanceId) throw DomainError.conflict(`member "${member.memberId}" is ${member.status}: only an Active member (provisioned and configured) can be baked`);
    const cluster = (await this.database.runtime.clusters(member.applicationId)).find((c) => c.clusterId === member.clusterId)!;
    const cartridgeType = cluster.spec.cartridgeType;
    const image = request.tag ? (request.tag.includes(':') ? request.tag : `${request.tag}:latest`) : `stratos-baked/${cartridgeType}:${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
    const operationId = randomUUID();
    const startedAt = new Date();
    await this.database.runtime.insertOperation({ operationId, kind: 'bake', applicationId: member.applicationId, status: 'running', message: `baking ${image} from ${member.memberId}`, startedAt, finishedAt: null });
    const notice = async (level: 'info' | 'warning', message: string) => {
      const event = await this.database.transaction((tx) => tx.topology.append(TopologyEventType.MemberNotice, { applicationId: member.applicationId, clusterId: member.clusterId, memberId: member.memberId, level, message }));
      await this.publisher.publish(event);
    };
    await notice('info', `baking ${image}`);
    void (async () => {
      try {
        const bundle = await this.database.cartridges.bundleWithContent(cartridgeType);
        const baked = await driver.bake!(member.instanceId!, {
          image,
          exclude: [...MEMBER_PATHS, ...renderedDests(bundle?.content ?? null)],
          labels: { 'org.stratos.baked-from-member': member.memberId, 'org.stratos.cartridge': cartridgeType },
        });
        await this.database.cartridges.saveBakedImage({ cartridgeType, image, imageId: baked.imageId, sizeBytes: baked.sizeBytes, fromMember: member.memberId, sourceImage: baked.sourceImage, bakedBy: request.actor.username, bakedAt: new Date() });
        const message = `baked ${image} (${(baked.sizeBytes / 1e6).toFixed(0)} MB) in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s: later docker members of ${cartridgeType} start from it`;
        await this.database.runtime.finishOperation(operationId, 'succeeded', message);
        await notice('info', message);
      } catch (error) {
        const message = `bake of ${image} failed: ${(error as Error).message}`;
        this.logger.warn(message);
        await this.database.runtime.finishOperation(operationId, 'failed', message).catch(() => undefined);
        await notice('warning', message).catch(() => undefined);
      }
    })();
    return { operationId, applicationId: member.applicationId, status: 'running' };
  }

  async list(): Promise<BakedImageView[]> {
    return [...(await this.database.cartridges.bakedImages()).values()].map(toBakedImageView);
  }

  /** Forgets a cartridge's baked image (its members start generic again); the image stays in the engine. */
  async remove(request: { cartridgeType: string }): Promise<{ cartridgeType: string }> {
    if (!(await this.database.cartridges.deleteBakedImage(request.cartridgeType))) throw DomainError.notFound(`cartridge "${request.cartridgeType}" has no baked image`);
    return { cartridgeType: request.cartridgeType };
  }
}
