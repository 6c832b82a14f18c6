import { DomainError, ErrorCode, tenantOfDeploymentKey } from '@stratos/contracts';
import type { Database } from '@stratos/persistence';
import type { Caller } from './auth.service';

/**
 * Whether the caller may look into a member (its logs, its metadata tree): the platform's admin
 * any; a tenant's users the members of their tenant's own deployments only — a shared member's
 * logs and tree name every tenant it serves. Another tenant's member is, for them, not there (404).
 */
export async function assertMemberVisible(database: Database, caller: Caller, memberId: string): Promise<void> {
  if (caller.tenantId === null) {
    if (caller.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, `this needs the admin role; "${caller.username}" has the role "${caller.role}"`);
    return;
  }
  const member = await database.runtime.findMember(memberId);
  if (!member || tenantOfDeploymentKey(member.applicationId) !== caller.tenantId) throw DomainError.notFound(`member "${memberId}" does not exist`);
}
