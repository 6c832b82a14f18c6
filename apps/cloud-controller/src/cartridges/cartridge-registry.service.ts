import { Injectable } from '@nestjs/common';
import {
  BundleError,
  describeBundle,
  readBundle,
  type BundleDownload,
  type BundleUploadRequest,
  DomainError,
  restoreRedacted,
  TopologyEventType,
  validateCartridge,
  type CartridgeDefinition,
  type CartridgeKeyRequest,
  type CartridgeUpdateRequest,
  type CartridgeView,
  type CartridgeWriteRequest,
  type CartridgeWriteResult,
  type FieldIssue,
  type ProviderCheck,
} from '@stratos/contracts';
import { Database, toCartridgeView, type CartridgeBundleEntity, type CartridgeEntity, type Repositories } from '@stratos/persistence';
import { describeReferrers } from '../definitions/definition-registry.service';
import { DriverRegistry } from '../iaas/driver-registry.service';
import { checkProviders } from '../iaas/provider-table';
import { TopologyPublisher } from '../topology/topology-publisher.service';

/** The deployed applications that run a cartridge (each of its deployments, a tenant's own too, by the application's id). */
async function deployedUsers(tx: Repositories, type: string): Promise<string[]> {
  const deployed: string[] = [];
  for (const referrer of await tx.definitions.referrers('cartridge', type)) {
    if (referrer.kind === 'application' && (await tx.runtime.deploymentsOf(referrer.id)).length > 0) deployed.push(referrer.id);
  }
  return deployed;
}

/**
 * A bundle is fetched by its cartridge's members when they start (replacements too), not kept
 * with the deployment: it changes once they are gone.
 */
async function assertNotDeployed(tx: Repositories, type: string): Promise<void> {
  const deployed = await deployedUsers(tx, type);
  if (deployed.length > 0) throw DomainError.conflict(`cartridge "${type}" is used by the deployed application ${deployed.map((d) => `"${d}"`).join(', ')}; undeploy it before changing the cartridge's bundle`);
}

/** The registry of record for cartridges: validates (again), stores, tells the topology. */
@Injectable()
export class CartridgeRegistry {
  constructor(
    private readonly database: Database,
    private readonly publisher: TopologyPublisher,
    private readonly drivers: DriverRegistry,
  ) {}

  async create(request: CartridgeWriteRequest): Promise<CartridgeWriteResult> {
    const { definition, warnings } = this.validate(request);
    const providers = await checkProviders(definition.iaasProvider, this.drivers);
    const now = new Date();
    const row: CartridgeEntity = {
      type: definition.type,
      category: definition.category,
      definition,
      providers,
      generation: 1,
      createdBy: request.actor.username,
      createdAt: now,
      updatedAt: now,
    };
    const view = toCartridgeView(row, null);
    const event = await this.database.cartridges.insertIfAbsentWithEvent(row, TopologyEventType.ServiceCreated, { serviceName: definition.type, cartridge: view });
    if (!event) {
      throw DomainError.conflict(`cartridge "${definition.type}" already exists; update it with PUT /api/cartridges/${definition.type}`, [
        { path: '/type', message: `"${definition.type}" is taken` },
      ]);
    }
    await this.publisher.publish(event);
    return { cartridge: view, warnings: withProviderNotes(warnings, providers) };
  }

  async update(request: CartridgeUpdateRequest): Promise<CartridgeWriteResult> {
    const { definition: sent, warnings } = this.validate(request);
    if (sent.type !== request.type) {
      throw DomainError.invalid(`the body describes "${sent.type}" but the path names "${request.type}"`, [
        { path: '/type', message: `must be "${request.type}", the type in the path (a cartridge cannot be renamed)` },
      ]);
    }
    const providers = await checkProviders(sent.iaasProvider, this.drivers);
    const { view, event } = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const current = await tx.cartridges.findForUpdate(request.type);
      if (!current) throw DomainError.notFound(`cartridge "${request.type}" does not exist`);
      // A deployment keeps the cartridge as it was deployed with (its clusters' specs): `stratos app upgrade` rolls the change out.
      const deployed = await deployedUsers(tx, request.type);
      for (const id of deployed) warnings.push({ path: '', message: `the deployed application "${id}" runs the cartridge as it was until it is upgraded: stratos app upgrade ${id} replaces its members, one partition at a time` });
      const definition = restoreRedacted(sent, current.definition);
      const row: CartridgeEntity = { ...current, category: definition.category, definition, providers, generation: current.generation + 1, updatedAt: new Date() };
      await tx.cartridges.save(row);
      const updated = toCartridgeView(row, (await tx.cartridges.bundles([row.type])).get(row.type));
      return { view: updated, event: await tx.topology.append(TopologyEventType.ServiceUpdated, { serviceName: row.type, cartridge: updated }) };
    });
    await this.publisher.publish(event);
    return { cartridge: view, warnings: withProviderNotes(warnings, providers) };
  }

  async remove(request: CartridgeKeyRequest): Promise<{ type: string }> {
    const event = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const referrers = await tx.definitions.referrers('cartridge', request.type);
      if (referrers.length > 0) {
        throw DomainError.conflict(`cartridge "${request.type}" is still used by ${describeReferrers(referrers)}; remove or change those first`);
      }
      if (!(await tx.cartridges.delete(request.type))) throw DomainError.notFound(`cartridge "${request.type}" does not exist`);
      return tx.topology.append(TopologyEventType.ServiceRemoved, { serviceName: request.type });
    });
    await this.publisher.publish(event);
    return { type: request.type };
  }

  /** Stores (or replaces) a cartridge's bundle, checked entry by entry; refused while a deployed application runs the cartridge. */
  async putBundle(request: BundleUploadRequest): Promise<CartridgeView> {
    const archive = Buffer.from(request.archive, 'base64');
    let info;
    try {
      info = describeBundle(archive, readBundle(archive), new Date());
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      throw DomainError.invalid(`the bundle of cartridge "${request.type}" is invalid: ${error.message}`, [{ path: '', message: error.message }]);
    }
    const { view, event } = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const current = await tx.cartridges.findForUpdate(request.type);
      if (!current) throw DomainError.notFound(`cartridge "${request.type}" does not exist`);
      await assertNotDeployed(tx, request.type);
      const bundle: CartridgeBundleEntity = { cartridgeType: request.type, sha256: info.sha256, size: info.size, files: info.files, content: archive, uploadedBy: request.actor.username, uploadedAt: new Date(info.uploadedAt) };
      await tx.cartridges.saveBundle(bundle);
      const updated = toCartridgeView(current, bundle);
      return { view: updated, event: await tx.topology.append(TopologyEventType.ServiceUpdated, { serviceName: request.type, cartridge: updated }) };
    });
    await this.publisher.publish(event);
    return view;
  }

  async getBundle(request: CartridgeKeyRequest): Promise<BundleDownload> {
    const bundle = await this.database.cartridges.bundleWithContent(request.type);
    if (!bundle) {
      const exists = await this.database.cartridges.find(request.type);
      throw DomainError.notFound(exists ? `cartridge "${request.type}" has no bundle` : `cartridge "${request.type}" does not exist`);
    }
    return { type: request.type, sha256: bundle.sha256, archive: bundle.content.toString('base64') };
  }

  async removeBundle(request: CartridgeKeyRequest): Promise<CartridgeView> {
    const { view, event } = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const current = await tx.cartridges.findForUpdate(request.type);
      if (!current) throw DomainError.notFound(`cartridge "${request.type}" does not exist`);
      await assertNotDeployed(tx, request.type);
      if (!(await tx.cartridges.deleteBundle(request.type))) throw DomainError.notFound(`cartridge "${request.type}" has no bundle`);
      const updated = toCartridgeView(current, null);
      return { view: updated, event: await tx.topology.append(TopologyEventType.ServiceUpdated, { serviceName: request.type, cartridge: updated }) };
    });
    await this.publisher.publish(event);
    return view;
  }

  private validate(request: CartridgeWriteRequest): { definition: CartridgeDefinition; warnings: FieldIssue[] } {
    const result = validateCartridge(request.definition, { strict: request.strict });
    if (result.errors.length > 0) throw DomainError.invalid('the cartridge definition is invalid', result.errors);
    return { definition: result.value, warnings: result.warnings };
  }
}

function withProviderNotes(warnings: FieldIssue[], providers: ProviderCheck[]): FieldIssue[] {
  const notes = providers.flatMap((p, i) => (p.driver === null ? [{ path: `/iaasProvider/${i}/type`, message: p.note }] : []));
  return [...warnings, ...notes];
}
