import { Injectable } from '@nestjs/common';
import {
  definitionKinds,
  DomainError,
  isDefinitionKind,
  redact,
  referenceKey,
  restoreRedacted,
  validateDefinition,
  type DefinitionKeyRequest,
  type DefinitionKind,
  type DefinitionKindName,
  type DefinitionOf,
  type DefinitionListRequest,
  type DefinitionListResult,
  type DefinitionView,
  type DefinitionWriteRequest,
  type DefinitionWriteResult,
  type FieldIssue,
  type ReferencedKind,
  type ResolvedReferences,
  type TopologyEvent,
  mapSchemaSecrets,
} from '@stratos/contracts';
import { Database, type DefinitionEntity, type Repositories } from '@stratos/persistence';
import { DeploymentService } from '../runtime/deployment.service';
import { SecretBox } from '../secrets/secret-box';
import { liveApplicationChange } from './live-application-change';

/** A stored definition: its kind's document, which its id key (and the reference checks) read as a record. */
type StoredDefinition = DefinitionOf[DefinitionKindName] & Record<string, unknown>;

function toView(kind: DefinitionKind, row: DefinitionEntity): DefinitionView {
  return {
    ...redact(kind.schema, row.definition),
    status: { createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(), generation: row.generation },
  };
}

function kindOf(name: string): DefinitionKind {
  if (!isDefinitionKind(name)) throw DomainError.invalid(`unknown kind of definition "${name}"`);
  return definitionKinds[name];
}

/** Names a set of referrers for a 409: `deployment policy "dp-1", application "app"`. */
export function describeReferrers(referrers: { kind: keyof typeof definitionKinds; id: string }[]): string {
  return referrers.map((r) => `${definitionKinds[r.kind].label} "${r.id}"`).join(', ');
}

/**
 * The registry of Stratos definitions besides cartridges. Every reference is checked to
 * exist in the same transaction that writes, under one lock, so nothing refers to what a
 * concurrent removal just took away.
 */
@Injectable()
export class DefinitionRegistry {
  constructor(
    private readonly database: Database,
    private readonly deployments: DeploymentService,
    private readonly secrets: SecretBox,
  ) {}

  /** What is stored: the schema's secret fields sealed (those kept from the stored definition already are). */
  private sealed<T>(kind: DefinitionKind, definition: T): T {
    return mapSchemaSecrets(kind.schema, definition, (secret) => (SecretBox.isSealed(secret) ? secret : this.secrets.seal(secret)));
  }

  async create(request: DefinitionWriteRequest): Promise<DefinitionWriteResult> {
    const kind = kindOf(request.kind);
    const { definition, warnings } = this.validate(kind, request);
    const id = String(definition[kind.idKey]);
    const row = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const references = await this.checkReferences(tx, kind, definition);
      const now = new Date();
      const entity: DefinitionEntity = { kind: kind.name, id, definition: this.sealed(kind, definition), references, generation: 1, createdBy: request.actor.username, createdAt: now, updatedAt: now };
      if (!(await tx.definitions.insertIfAbsent(entity))) {
        throw DomainError.conflict(`${kind.label} "${id}" already exists; update it with PUT /api/${kind.restPath}/${id}`, [{ path: `/${kind.idKey}`, message: `"${id}" is taken` }]);
      }
      return entity;
    });
    return { definition: toView(kind, row), warnings };
  }

  async update(request: DefinitionWriteRequest): Promise<DefinitionWriteResult> {
    const kind = kindOf(request.kind);
    const { definition: sent, warnings } = this.validate(kind, request);
    const id = String(sent[kind.idKey]);
    if (request.id !== undefined && id !== request.id) {
      throw DomainError.invalid(`the body describes "${id}" but the path names "${request.id}"`, [{ path: `/${kind.idKey}`, message: `must be "${request.id}", the id in the path` }]);
    }
    const scaled = new Map<string, TopologyEvent[]>();
    const row = await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const current = await tx.definitions.find(kind.name, id);
      if (!current) throw DomainError.notFound(`${kind.label} "${id}" does not exist`);
      const definition = restoreRedacted(sent, current.definition);
      // The platform's deployment and every tenant's own: each runs this definition, and each follows a change.
      const deployments = kind.name === 'application' ? await tx.runtime.lockDeploymentsOf(id) : [];
      const leaving = deployments.find((d) => !d.desired);
      if (leaving) throw DomainError.conflict(`application "${id}" is being undeployed${leaving.tenantId !== null ? ` (a tenant's deployment of it, ${leaving.applicationId})` : ''}; change it once that is done`);
      if (deployments.length > 0) {
        // Deployed: bounds change live (as `stratos app scale`); anything else needs an undeploy.
        const change = liveApplicationChange(current.definition, definition);
        if (!change.ok) {
          const tenants = deployments.filter((d) => d.tenantId !== null).length;
          throw DomainError.conflict(
            `application "${id}" is deployed${tenants ? ` (${tenants} tenant deployment(s) of it)` : ''}: only cartridgeMin and cartridgeMax may change while it runs; undeploy it to change the rest`,
            change.pointers.map((path) => ({ path, message: 'differs from the deployed definition' })),
          );
        }
        for (const deployment of deployments) {
          const events: TopologyEvent[] = [];
          for (const bounds of change.bounds) events.push(...(await this.deployments.setBounds(tx, { actor: request.actor, applicationId: deployment.applicationId, alias: bounds.alias, min: bounds.min, max: bounds.max }, bounds.pointer)).events);
          if (events.length) scaled.set(deployment.applicationId, events);
        }
      }
      const references = await this.checkReferences(tx, kind, definition);
      const entity: DefinitionEntity = { ...current, definition: this.sealed(kind, definition), references, generation: current.generation + 1, updatedAt: new Date() };
      await tx.definitions.save(entity);
      return entity;
    });
    for (const [applicationId, events] of scaled) await this.deployments.boundsChanged(applicationId, events);
    return { definition: toView(kind, row), warnings };
  }

  async remove(request: DefinitionKeyRequest): Promise<{ id: string }> {
    const kind = kindOf(request.kind);
    await this.database.transaction(async (tx) => {
      await tx.definitions.lockReferences();
      const deployments = kind.name === 'application' ? await tx.runtime.deploymentsOf(request.id) : [];
      if (deployments.length > 0) {
        const tenants = deployments.filter((d) => d.tenantId !== null).length;
        throw DomainError.conflict(`application "${request.id}" is deployed${tenants ? ` (${tenants} tenant deployment(s) of it too)` : ''}; undeploy it first`);
      }
      // Sign-ups outlive an undeploy (the next deploy prepares them again); they do not outlive the application.
      const signUps = kind.name === 'application' ? await tx.signups.ofApplication(request.id) : [];
      if (signUps.length > 0) {
        const domains = signUps.map((s) => s.tenantDomain);
        throw DomainError.conflict(`application "${request.id}" has ${signUps.length} tenant sign-up(s) (${domains.slice(0, 5).join(', ')}${domains.length > 5 ? ', …' : ''}); remove them first (stratos app unsignup ${request.id} --tenant DOMAIN)`);
      }
      if (kind.name === 'applicationPolicy') {
        const users = (await tx.runtime.deployments()).filter((d) => d.policyId === request.id).map((d) => `"${d.applicationId}"`);
        if (users.length) throw DomainError.conflict(`application policy "${request.id}" is in use by the deployment of ${users.join(', ')}; undeploy first`);
      }
      const referrers = await tx.definitions.referrers(kind.name, request.id);
      if (referrers.length > 0) {
        throw DomainError.conflict(`${kind.label} "${request.id}" is still used by ${describeReferrers(referrers)}; remove or change those first`);
      }
      if (!(await tx.definitions.delete(kind.name, request.id))) throw DomainError.notFound(`${kind.label} "${request.id}" does not exist`);
    });
    return { id: request.id };
  }

  async get(request: DefinitionKeyRequest): Promise<DefinitionView> {
    const kind = kindOf(request.kind);
    const row = await this.database.definitions.find(kind.name, request.id);
    if (!row) throw DomainError.notFound(`${kind.label} "${request.id}" does not exist`);
    return toView(kind, row);
  }

  async list(request: DefinitionListRequest): Promise<DefinitionListResult> {
    const kind = kindOf(request.kind);
    const { items, total } = await this.database.definitions.list(kind.name, request);
    return { items: items.map((row) => toView(kind, row)), total };
  }

  /** A definition that passed its kind's schema is that kind's document (and still a record its id key reads). */
  private validate(kind: DefinitionKind, request: DefinitionWriteRequest): { definition: StoredDefinition; warnings: FieldIssue[] } {
    const result = validateDefinition<StoredDefinition>(kind, request.definition, { strict: request.strict });
    if (result.errors.length > 0) throw DomainError.invalid(`the ${kind.label} is invalid`, result.errors);
    return { definition: result.value, warnings: result.warnings };
  }

  /** Every reference must exist (400 naming the pointer and the id); then the kind's deeper checks. */
  private async checkReferences(tx: Repositories, kind: DefinitionKind, definition: Record<string, unknown>) {
    const references = kind.references(definition);
    const resolved: ResolvedReferences = new Map();
    const definitionRefs = references.filter((r) => r.kind !== 'cartridge') as { kind: Exclude<ReferencedKind, 'cartridge'>; id: string }[];
    for (const row of await tx.definitions.findMany(definitionRefs)) resolved.set(referenceKey(row.kind, row.id), row.definition);
    for (const ref of references.filter((r) => r.kind === 'cartridge')) {
      const cartridge = await tx.cartridges.find(ref.id);
      if (cartridge) resolved.set(referenceKey('cartridge', ref.id), cartridge.definition);
    }
    const errors: FieldIssue[] = references
      .filter((ref) => !resolved.has(referenceKey(ref.kind, ref.id)))
      .map((ref) => ({ path: ref.path, message: `no ${ref.kind === 'cartridge' ? 'cartridge' : definitionKinds[ref.kind].label} "${ref.id}" exists` }));
    if (errors.length === 0 && kind.checkAgainst) {
      const found = { errors, warnings: [] };
      kind.checkAgainst(definition, resolved, found);
    }
    if (errors.length > 0) throw DomainError.invalid(`the ${kind.label} refers to what does not exist or does not fit`, errors);
    return references;
  }
}
