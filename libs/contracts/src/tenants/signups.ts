/**
 * Sign-ups: a tenant subscribing to a deployed multi-tenant application (Stratos's
 * ApplicationSignUpBean), and how its members prepare the tenant. The members of each of the
 * application's multi-tenant clusters find the signed-up tenants in their metadata tree
 * (SignUpTreeKey), each make the tenant its folder under APPLICATION_PATH/tenants/<tenantId>
 * with the tenant's artifacts cloned there, and confirm (AgentEventType.TenantPrepared); the
 * sign-up is Active once every Active member of those clusters confirmed its revision.
 */
import type { JsonSchema } from '../json-schema';
import { validateAgainst, type ValidationResult } from '../validation';
import type { FieldIssue } from '../errors';

/** ArtifactRepositoryBean: the tenant's git repository for the members of one cartridge alias. */
export const artifactRepositorySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['alias', 'repoUrl'],
  properties: {
    alias: { type: 'string', minLength: 1, maxLength: 256, description: "the subscription's alias (cartridge alias) whose members clone it" },
    repoUrl: { type: 'string', minLength: 1, maxLength: 2048, pattern: '^(https?|git|ssh|file)://|^[^\\s@]+@[^\\s:]+:', description: 'a git URL' },
    privateRepo: { type: 'boolean' },
    repoUsername: { type: 'string', maxLength: 256 },
    repoPassword: { type: 'string', maxLength: 1024, secret: true },
    hookSecret: { type: 'string', minLength: 16, maxLength: 1024, secret: true, description: "not Stratos's: what a git hook for this repository proves (POST /api/repo/notify), so that a push makes every member pull the tenant's checkout at once" },
  },
};

/** ApplicationSignUpBean. */
export const applicationSignUpSchema: JsonSchema = {
  title: 'ApplicationSignUpBean',
  type: 'object',
  additionalProperties: false,
  properties: {
    artifactRepositories: { type: 'array', maxItems: 100, items: artifactRepositorySchema },
    applicationId: { type: 'string', description: 'read only: the path names it' },
    tenantId: { type: 'integer', description: 'read only: the caller (or the path) names it' },
    clusterIds: { type: 'array', items: { type: 'string' }, description: 'read only' },
  },
};

export interface ArtifactRepository {
  alias: string;
  repoUrl: string;
  privateRepo?: boolean;
  repoUsername?: string;
  repoPassword?: string;
  hookSecret?: string;
}

export interface SignUpInput {
  artifactRepositories: ArtifactRepository[];
}

export type SignUpStatus = 'Pending' | 'Active';

/** A sign-up as the API answers it: repository passwords never. */
export interface SignUpView {
  applicationId: string;
  tenantId: number;
  tenantDomain: string;
  /** Active: every Active member of the application's multi-tenant clusters prepared the tenant at this revision. */
  status: SignUpStatus;
  /** Bumped by each change of the sign-up; members confirm the revision they prepared. */
  revision: number;
  /** repoPassword, when there is one, is always "******". */
  artifactRepositories: ArtifactRepository[];
  /** The multi-tenant clusters that serve the tenant, and how many of their Active members prepared it. */
  clusters: { clusterId: string; alias: string; activeMembers: number; prepared: number; failed: number }[];
  /** Why Active members could not prepare the tenant at this revision (they try again when their tree changes, and every 30 s). */
  problems: { memberId: string; message: string }[];
  clusterIds: string[];
  createdAt: string;
  activeAt: string | null;
}

/** The sign-up a body describes; one repository per alias. */
export function validateSignUp(input: unknown): ValidationResult<SignUpInput> {
  const result = validateAgainst<Partial<SignUpInput> & { applicationId?: string; tenantId?: number; clusterIds?: string[] }>(applicationSignUpSchema, input ?? {});
  const repositories = result.value?.artifactRepositories ?? [];
  const errors: FieldIssue[] = [...result.errors];
  if (errors.length === 0) {
    const seen = new Set<string>();
    repositories.forEach((repository, i) => {
      if (seen.has(repository.alias)) errors.push({ path: `/artifactRepositories/${i}/alias`, message: `"${repository.alias}" has a repository already: one per alias` });
      seen.add(repository.alias);
      if (repository.repoPassword !== undefined && repository.repoUsername === undefined) errors.push({ path: `/artifactRepositories/${i}/repoUsername`, message: 'is required with a repoPassword' });
    });
  }
  return { value: { artifactRepositories: repositories }, warnings: result.warnings, errors };
}

/** Where a tenant shows in its multi-tenant members' trees: /tenants/<tenantId>/… */
export const SignUpTreeKey = {
  prefix: '/tenants/',
  domain: (tenantId: number) => `/tenants/${tenantId}/domain`,
  /** The sign-up's revision: members confirm it. */
  revision: (tenantId: number) => `/tenants/${tenantId}/revision`,
  /** The tenant's repository for this cluster, without credentials (the agent asks for them). */
  artifactsUrl: (tenantId: number) => `/tenants/${tenantId}/artifacts/url`,
  /** Moved by a git hook for the tenant's repository: members pull its checkout. */
  artifactsRevision: (tenantId: number) => `/tenants/${tenantId}/artifacts/revision`,
  /** Added by the member's own agent once it prepared the tenant: the tenant's folder inside the member. */
  path: (tenantId: number) => `/tenants/${tenantId}/path`,
  /** Added by the agent too: the user that owns the tenant's files (its own in a container; the member's where the agent is not root). */
  uid: (tenantId: number) => `/tenants/${tenantId}/uid`,
} as const;

export interface SignedUpTenant {
  domain: string;
  revision: number;
  artifactsUrl: string | null;
  artifactsRevision: number;
}

/** The tenants a tree names, with the revision each is at. */
export function signedUpTenants(tree: Record<string, string>): Map<number, SignedUpTenant> {
  const tenants = new Map<number, SignedUpTenant>();
  for (const [key, value] of Object.entries(tree)) {
    const match = /^\/tenants\/(\d+)\/domain$/.exec(key);
    if (!match) continue;
    const id = Number(match[1]);
    tenants.set(id, {
      domain: value,
      revision: Number(tree[SignUpTreeKey.revision(id)] ?? 0),
      artifactsUrl: tree[SignUpTreeKey.artifactsUrl(id)] ?? null,
      artifactsRevision: Number(tree[SignUpTreeKey.artifactsRevision(id)] ?? 0),
    });
  }
  return tenants;
}

/** Where a multi-tenant member keeps one tenant's files, under APPLICATION_PATH. */
export const tenantFolder = (applicationPath: string, tenantId: number) => `${applicationPath.replace(/\/+$/, '')}/tenants/${tenantId}`;

/** The manager's requests to the controller about sign-ups; the tenant was checked by the manager. */
export interface SignUpRequest {
  actor: { username: string };
  applicationId: string;
  tenantId: number;
  /** add only: what was posted (validated again by the controller). */
  signUp?: unknown;
}

/** DomainMappingBean: a tenant's domain served by one cluster of the application, at a context path. */
export const domainMappingSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cartridgeAlias', 'domainName'],
  properties: {
    cartridgeAlias: { type: 'string', minLength: 1, maxLength: 256, description: 'the subscription alias whose cluster serves the domain' },
    domainName: { type: 'string', pattern: '^(?=.{3,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$', description: 'a DNS name (kept in lower case)' },
    contextPath: { type: 'string', pattern: '^/[A-Za-z0-9._~!$&\'()*+,;=:@%/-]*$', maxLength: 1024, description: 'where in the tenant\'s content the domain starts (default "/")' },
  },
};

/** ApplicationDomainMappingsBean. */
export const applicationDomainMappingsSchema: JsonSchema = {
  title: 'ApplicationDomainMappingsBean',
  type: 'object',
  additionalProperties: false,
  required: ['domainMappings'],
  properties: {
    applicationId: { type: 'string', description: 'read only: the path names it' },
    domainMappings: { type: 'array', minItems: 1, maxItems: 100, items: domainMappingSchema },
  },
};

export interface DomainMappingInput {
  cartridgeAlias: string;
  domainName: string;
  /** Normalized: starts with "/", no trailing "/" except for the root itself. */
  contextPath: string;
}

export interface DomainMappingView extends DomainMappingInput {
  applicationId: string;
  tenantId: number;
  tenantDomain: string;
  clusterId: string;
  createdAt: string;
}

/** The mappings a body names, domains in lower case, each domain once. */
export function validateDomainMappings(input: unknown): ValidationResult<DomainMappingInput[]> {
  const result = validateAgainst<{ domainMappings?: { cartridgeAlias: string; domainName: string; contextPath?: string }[] }>(applicationDomainMappingsSchema, input ?? {});
  const errors: FieldIssue[] = [...result.errors];
  const mappings = (result.value?.domainMappings ?? []).map((m) => ({
    cartridgeAlias: m.cartridgeAlias,
    domainName: typeof m.domainName === 'string' ? m.domainName.toLowerCase() : m.domainName,
    contextPath: typeof m.contextPath === 'string' && m.contextPath.length > 1 ? m.contextPath.replace(/\/+$/, '') || '/' : '/',
  }));
  if (errors.length === 0) {
    const seen = new Set<string>();
    mappings.forEach((m, i) => {
      if (seen.has(m.domainName)) errors.push({ path: `/domainMappings/${i}/domainName`, message: `"${m.domainName}" is mapped twice` });
      seen.add(m.domainName);
    });
  }
  return { value: mappings, warnings: result.warnings, errors };
}

/** Where the domain mappings of the application's active tenants show, in every cluster's tree: /domains/<domain>/… */
export const DomainTreeKey = {
  tenantId: (domain: string) => `/domains/${domain}/tenant_id`,
  tenantDomain: (domain: string) => `/domains/${domain}/tenant_domain`,
  alias: (domain: string) => `/domains/${domain}/alias`,
  /** "" for the root, else "/path" (no trailing slash): a template writes `/<tenant_id><context_path><path>`. */
  contextPath: (domain: string) => `/domains/${domain}/context_path`,
} as const;

/** The manager's requests to the controller about domain mappings. */
export interface DomainMappingRequest {
  actor: { username: string };
  applicationId: string;
  /** null: every tenant's (list, platform users). */
  tenantId: number | null;
  /** add only: what was posted. */
  mappings?: unknown;
  /** remove only. */
  domainName?: string;
}
