/**
 * What each operation of the REST API answers on success, keyed as the OpenAPI document names
 * it ("METHOD /api/path/{param}"). The manager's document takes each success body's JSON Schema
 * from here (generated into api-responses.schema.json: `npm run api-schemas`, kept in step by
 * its test), and the isolation test checks every answer of its positive controls against it.
 * Controllers whose answer has no name of its own return `ApiResponses['…']`, so the two cannot
 * drift apart.
 */
import type { RepositoryNotifyResult } from './artifacts/repository-notify';
import type { ArtifactDistributionAccepted, ArtifactVersionView, ArtifactView } from './artifacts/image-artifacts';
import type { AuditEntry } from './audit';
import type { CartridgeView, IaasProviderView } from './cartridge';
import type { FieldIssue } from './errors';
import type { ImportResult } from './import/stratos-folder';
import type { JsonSchema } from './json-schema';
import type { CartridgeWriteResult, DefinitionView, DefinitionWriteResult, MemberLogs, OperationAccepted, UpgradeAccepted } from './rpc';
import type { BakedImageView } from './runtime/baked-images';
import type { MemberTreeView, MetadataPropertyView, MetadataRemoved } from './runtime/metadata-api';
import type { ApplicationRuntime, ApplicationStatisticsView, ClusterView, OperationView } from './runtime/runtime-views';
import type { RegionView } from './runtime/regions';
import type { MemberPasswordRotationView } from './runtime/member-passwords';
import type { MemberMigrationView, PartitionDrainView } from './runtime/migrations';
import type { DomainMappingView, SignUpView } from './tenants/signups';
import type { StratosMessage, TenantView, TenantWriteResult, UserView, UserWriteResult } from './tenants/tenants';

/** A bearer token, from POST /api/tokens. */
export interface IssuedToken {
  token: string;
  expiresAt: string;
  username: string;
  role: string;
  tenantDomain: string | null;
}

/** The topology as Stratos's clients read it: its revision, its services (cartridges) and the caller's applications. */
export interface TopologySnapshot {
  revision: number;
  services: { serviceName: string; category: string; multiTenant: boolean; clusters: string[] }[];
  applications: ApplicationRuntime[];
}

export interface HealthView {
  status: 'up' | 'degraded';
  database: 'up' | 'down';
  cloudController: 'up' | 'down' | 'unknown';
}

type SignUpAdded = StratosMessage & { signUp: SignUpView };
type TenantStateChanged = StratosMessage & { tenant: TenantView; changed: boolean; warnings: FieldIssue[] };

export interface ApiResponses {
  'GET /api/health': HealthView;
  'GET /api/schemas': string[];
  'GET /api/schemas/{name}': JsonSchema;
  'POST /api/tokens': IssuedToken;
  'GET /api/init': StratosMessage & { userName: string; role: string; tenantDomain: string | null };
  'GET /api/session': { Success: { sessionId: string }; expiresAt: string };
  'POST /api/users': UserWriteResult;
  'GET /api/users': UserView[];
  'PUT /api/users': UserWriteResult;
  'DELETE /api/users/{userName}': StratosMessage;
  'PUT /api/users/{username}/password': { revokedTokens: number };
  'POST /api/tenants': TenantWriteResult;
  'GET /api/tenants': TenantView[];
  'PUT /api/tenants': TenantWriteResult;
  'GET /api/tenants/search/{fragment}': TenantView[];
  'GET /api/tenants/{tenantDomain}': TenantView;
  'DELETE /api/tenants/{tenantDomain}': StratosMessage & { warnings: FieldIssue[] };
  'PUT /api/tenants/activate/{tenantDomain}': TenantStateChanged;
  'PUT /api/tenants/deactivate/{tenantDomain}': TenantStateChanged;
  'POST /api/applications/{applicationId}/signup': SignUpAdded;
  'GET /api/applications/{applicationId}/signup': SignUpView;
  'DELETE /api/applications/{applicationId}/signup': StratosMessage;
  'POST /api/applications/{applicationId}/signup/{tenantDomain}': SignUpAdded;
  'GET /api/applications/{applicationId}/signup/{tenantDomain}': SignUpView;
  'DELETE /api/applications/{applicationId}/signup/{tenantDomain}': StratosMessage;
  'GET /api/applications/{applicationId}/signups': SignUpView[];
  'POST /api/applications/{applicationId}/domainMappings': StratosMessage & { domainMappings: DomainMappingView[] };
  'GET /api/applications/{applicationId}/domainMappings': DomainMappingView[];
  'DELETE /api/applications/{applicationId}/domainMappings/{domainName}': StratosMessage;
  'POST /api/import': ImportResult;
  'GET /api/audit': AuditEntry[];
  'POST /api/repo/notify': RepositoryNotifyResult;
  'POST /api/images': OperationAccepted;
  'GET /api/images': BakedImageView[];
  'DELETE /api/images/{cartridgeType}': { cartridgeType: string };
  'POST /api/cartridges': CartridgeWriteResult;
  'GET /api/cartridges': CartridgeView[];
  'PUT /api/cartridges': CartridgeWriteResult;
  'GET /api/cartridges/{type}': CartridgeView;
  'PUT /api/cartridges/{type}': CartridgeWriteResult;
  'DELETE /api/cartridges/{type}': { type: string };
  'GET /api/cartridges/filter/{filter}': CartridgeView[];
  'GET /api/cartridges/{type}/filter/{filter}': CartridgeView;
  'PUT /api/cartridges/{type}/bundle': CartridgeView;
  'DELETE /api/cartridges/{type}/bundle': CartridgeView;
  'POST /api/applications/{id}/deploy/{policyId}': OperationAccepted;
  'POST /api/applications/{id}/undeploy': OperationAccepted;
  'POST /api/applications/{id}/scale': ClusterView;
  'POST /api/applications/{id}/upgrade': UpgradeAccepted;
  'POST /api/members/{memberId}/migrate': MemberMigrationView;
  'GET /api/migrations/{id}': MemberMigrationView;
  'POST /api/networkPartitions/{networkPartitionId}/partitions/{partitionId}/drain': PartitionDrainView;
  'GET /api/networkPartitions/{networkPartitionId}/partitions/{partitionId}/drain': PartitionDrainView;
  'DELETE /api/networkPartitions/{networkPartitionId}/partitions/{partitionId}/drain': { networkPartitionId: string; partitionId: string; cordoned: false };
  'GET /api/members/{memberId}/logs': MemberLogs;
  'GET /api/applications/{id}/runtime': ApplicationRuntime;
  'GET /api/applications/{id}/statistics': ApplicationStatisticsView;
  'GET /api/cluster/{clusterId}': ClusterView;
  'GET /api/applications/{id}/networkPartitions': { networkPartitionIds: string[] };
  'GET /api/iaasProviders': { iaasProviders: string[]; providers: IaasProviderView[] };
  'GET /api/regions': RegionView[];
  'POST /api/member-passwords/rotation': MemberPasswordRotationView;
  'GET /api/member-passwords/rotation': MemberPasswordRotationView;
  'POST /api/artifacts': ArtifactVersionView;
  'GET /api/artifacts': ArtifactView[];
  'GET /api/artifacts/{name}': ArtifactView;
  'POST /api/artifacts/{name}/versions/{version}/distribute': ArtifactDistributionAccepted;
  'DELETE /api/artifacts/{name}/versions/{version}': ArtifactVersionView | { name: string; version: string };
  'GET /api/operations/{id}': OperationView;
  'GET /api/metadata/applications/{applicationId}/properties': MetadataPropertyView[];
  'POST /api/metadata/applications/{applicationId}/properties': MetadataPropertyView;
  'DELETE /api/metadata/applications/{applicationId}/properties': MetadataRemoved;
  'GET /api/metadata/applications/{applicationId}/properties/{name}': MetadataPropertyView;
  'DELETE /api/metadata/applications/{applicationId}/properties/{name}': MetadataRemoved;
  'DELETE /api/metadata/applications/{applicationId}/properties/{name}/value/{value}': MetadataRemoved;
  'GET /api/metadata/applications/{applicationId}/clusters/{clusterId}/properties': MetadataPropertyView[];
  'POST /api/metadata/applications/{applicationId}/clusters/{clusterId}/properties': MetadataPropertyView;
  'GET /api/metadata/applications/{applicationId}/clusters/{clusterId}/properties/{name}': MetadataPropertyView;
  'DELETE /api/metadata/applications/{applicationId}/clusters/{clusterId}/properties/{name}': MetadataRemoved;
  'GET /api/metadata/applications/{applicationId}/cluster/{clusterId}/properties/{name}': MetadataPropertyView;
  'GET /api/metadata/members/{memberId}': MemberTreeView;
  'GET /api/topology': TopologySnapshot;
}

/** The six operations every definition kind has at its own path (/api/autoscalingPolicies, /api/applications, …). */
export interface DefinitionKindResponses {
  'POST ': DefinitionWriteResult;
  'GET ': DefinitionView[];
  'PUT ': DefinitionWriteResult;
  'GET /{id}': DefinitionView;
  'PUT /{id}': DefinitionWriteResult;
  'DELETE /{id}': { id: string };
}

/** Operations whose success is not a JSON body: what they answer instead. */
export const NON_JSON_RESPONSES: Record<string, { status: number; contentType?: string; description: string }> = {
  'GET /metrics': { status: 200, contentType: 'text/plain', description: "Prometheus's text exposition format" },
  'GET /api/cartridges/{type}/bundle': { status: 200, contentType: 'application/gzip', description: "the cartridge's bundle, a gzipped tar" },
  'GET /api/topology/events': { status: 200, contentType: 'text/event-stream', description: 'server-sent events, one per topology change (id: its revision)' },
  'DELETE /api/tokens/current': { status: 204, description: 'the token is revoked: no body' },
};
