/**
 * What of the topology a tenant's user sees: the applications its tenant signed up to (their
 * status, clusters and members: the shared members serve it), its tenant's own deployments of
 * single-tenant applications, its own sign-ups, and the services
 * (cartridges, which every tenant reads). Never another tenant's sign-up, nor a member's notices
 * (a multi-tenant member's notices name the tenants it serves). Anything else — a type this list
 * does not know — is not shown: a new event type is closed to tenants until someone decides.
 */
import { tenantOfDeploymentKey, type TopologyEvent } from '@stratos/contracts';

export interface TenantScope {
  tenantId: number;
  tenantDomain: string;
  /** The applications it signed up to; kept current from its own sign-up events while it watches. */
  applications: Set<string>;
}

const SERVICE_EVENTS = new Set(['ServiceCreated', 'ServiceUpdated', 'ServiceRemoved']);
const APPLICATION_EVENTS = new Set(['ApplicationStatusChanged', 'ClusterCreated', 'ClusterStatusChanged', 'ClusterScaled', 'ClusterAutoscaled', 'GroupScaled', 'ClusterUpgrading', 'ClusterUpgraded', 'MemberMigration', 'ClusterRemoved', 'ClusterCrashes', 'MemberCreated', 'MemberStatusChanged']);
const SIGNUP_EVENTS = new Set(['ApplicationSignUpAdded', 'ApplicationSignUpActive', 'ApplicationSignUpRemoved']);

/** Whether the tenant sees the event; its own sign-up events also move its scope (call in revision order). */
export function visibleToTenant(event: TopologyEvent, scope: TenantScope): boolean {
  const payload = event.payload as { applicationId?: string; tenantDomain?: string };
  if (SERVICE_EVENTS.has(event.type)) return true;
  if (SIGNUP_EVENTS.has(event.type)) {
    if (payload.tenantDomain !== scope.tenantDomain) return false;
    if (event.type === 'ApplicationSignUpAdded') scope.applications.add(payload.applicationId!);
    if (event.type === 'ApplicationSignUpRemoved') scope.applications.delete(payload.applicationId!);
    return true;
  }
  if (APPLICATION_EVENTS.has(event.type)) return payload.applicationId !== undefined && isTenants(payload.applicationId, scope);
  return false;
}

/** Whether a deployment is the tenant's to see: one it signed up to, or its own. */
export function isTenants(deployment: string, scope: TenantScope): boolean {
  return scope.applications.has(deployment) || tenantOfDeploymentKey(deployment) === scope.tenantId;
}
