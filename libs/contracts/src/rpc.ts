/**
 * The envelope of every reply of the cloud controller. Domain errors travel as data, not as
 * transport errors, so the manager can map them to the same HTTP statuses a local error gets.
 */
import type { CartridgeDefinition, CartridgeView } from './cartridge';
import type { MigrationInput } from './runtime/migrations';
import type { DefinitionKindName } from './definitions/definition-kind-names';
import type { ErrorCode, FieldIssue } from './errors';

/** `servedBy`: the id of the controller that served it (several controllers share requests). */
export type RpcReply<T> = ({ ok: true; data: T } | { ok: false; error: RpcFailure }) & { servedBy?: string };
export interface RpcFailure {
  code: ErrorCode;
  message: string;
  errors: FieldIssue[];
}

/**
 * Every request's deadline (epoch ms), set by the manager: a request that reaches a controller
 * after it — it waited in the broker while no controller led — is refused, not carried out (its
 * caller was already told that the controller was unavailable).
 */
export const RPC_DEADLINE_FIELD = 'deadline';

/** The caller on whose behalf the manager asks; the controller records it. */
export interface RequestActor {
  username: string;
}

export interface CartridgeWriteRequest {
  actor: RequestActor;
  /** As the user sent it; the controller validates it again (the same schema). */
  definition: unknown;
  strict?: boolean;
}
export interface CartridgeUpdateRequest extends CartridgeWriteRequest {
  type: string;
}
export interface CartridgeWriteResult {
  cartridge: CartridgeView;
  warnings: FieldIssue[];
}
export interface CartridgeKeyRequest {
  actor?: RequestActor;
  type: string;
}
export interface BundleUploadRequest {
  actor: RequestActor;
  type: string;
  /** The gzipped ustar archive, base64. */
  archive: string;
}
export interface BundleDownload {
  type: string;
  sha256: string;
  /** base64 */
  archive: string;
}
export interface CartridgeListRequest {
  category?: string;
  limit: number;
  offset: number;
}
export interface CartridgeListResult {
  items: CartridgeView[];
  total: number;
}
export type { CartridgeDefinition };

/** Server-derived facts about a stored definition. */
export interface DefinitionStatus {
  createdAt: string;
  updatedAt: string;
  generation: number;
}
/** A definition as the API returns it: as written (secrets redacted), plus its status. */
export type DefinitionView = Record<string, unknown> & { status: DefinitionStatus };

export interface DefinitionWriteRequest {
  actor: RequestActor;
  kind: DefinitionKindName;
  definition: unknown;
  strict?: boolean;
  /** For an update: the id in the path, which the body must match. */
  id?: string;
}
export interface DefinitionWriteResult {
  definition: DefinitionView;
  warnings: FieldIssue[];
}
export interface DefinitionKeyRequest {
  actor?: RequestActor;
  kind: DefinitionKindName;
  id: string;
}
export interface DefinitionListRequest {
  kind: DefinitionKindName;
  limit: number;
  offset: number;
}
export interface DefinitionListResult {
  items: DefinitionView[];
  total: number;
}

export interface DeployRequest {
  actor: RequestActor;
  applicationId: string;
  policyId: string;
  /** A tenant deploying a single-tenant application for itself: a deployment of its own (deploymentKey). */
  tenantId?: number;
}

/**
 * The key of a deployment: the application's id for the platform's, `<application>~t<tenantId>` for
 * a tenant's own deployment of a single-tenant application. Runtime rows, cluster ids
 * (`<key>.<alias>`), members' APPLICATION_ID, metadata and topology events carry it.
 */
export function deploymentKey(applicationId: string, tenantId?: number | null): string {
  return tenantId === undefined || tenantId === null ? applicationId : `${applicationId}~t${tenantId}`;
}

/** The tenant whose own deployment a key is, or null (the platform's). */
export function tenantOfDeploymentKey(key: string): number | null {
  const match = /~t(\d+)$/.exec(key);
  return match ? Number(match[1]) : null;
}
/** New member bounds for one cluster of a deployed application, applied without an undeploy. */
export interface ScaleRequest {
  actor: RequestActor;
  applicationId: string;
  /** The cartridge subscription's alias. */
  alias: string;
  min?: number;
  max?: number;
}
/** A deployed application brought to what its definitions say now (`stratos app upgrade`). */
export interface UpgradeRequest {
  actor: RequestActor;
  applicationId: string;
  /** NAME@VERSION: the version of image artifact NAME its cartridges run, whatever version they name. */
  artifact?: string;
}
export interface UpgradeAccepted extends OperationAccepted {
  /** The clusters whose spec changed, and what changed; none: nothing to upgrade (the operation is finished already). */
  clusters: { alias: string; clusterId: string; from: number; to: number; changes: string[] }[];
}
/** A member moved to another partition (`stratos member migrate`); `input` is checked by the manager (validateMigrationInput). */
export interface MigrateRequest {
  actor: RequestActor;
  memberId: string;
  input: MigrationInput;
}
export interface MemberLogsRequest {
  memberId: string;
  /** The last bytes to give (default 16 KiB); ignored with a cursor. */
  tailBytes?: number;
  /** From an earlier answer: give what came after it. */
  cursor?: string;
}
export interface MemberLogs {
  memberId: string;
  text: string;
  cursor: string;
}
export interface UndeployRequest {
  actor: RequestActor;
  applicationId: string;
  force?: boolean;
}
/** 202: the deployment goes on; watch the operation or the topology. */
export interface OperationAccepted {
  operationId: string;
  applicationId: string;
  status: string;
  /** What the platform noticed and went ahead with (a deployment outgrowing the embedded broker). */
  warnings?: string[];
}

/** Agents the embedded broker (aedes) carries at one message a second on 2 cores, measured (README, "What one machine carries"). */
export const EMBEDDED_BROKER_AGENT_ENVELOPE = 3000;
