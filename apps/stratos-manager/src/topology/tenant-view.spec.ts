import type { TopologyEvent } from '@stratos/contracts';
import { visibleToTenant, type TenantScope } from './tenant-view';

let revision = 0;
const event = (type: string, payload: object) => ({ eventId: `e${revision}`, revision: ++revision, type, timestamp: '', payload }) as unknown as TopologyEvent;

describe("a tenant's view of the topology", () => {
  it("shows its applications, its own sign-ups and the services; never another tenant's sign-up, a member's notices, or a type it does not know", () => {
    const scope: TenantScope = { tenantId: 3, tenantDomain: 'acme.com', applications: new Set(['portal']) };
    const seen = (e: TopologyEvent) => visibleToTenant(e, scope);
    expect(seen(event('MemberStatusChanged', { applicationId: 'portal' }))).toBe(true);
    expect(seen(event('MemberStatusChanged', { applicationId: 'other' }))).toBe(false);
    expect(seen(event('ServiceCreated', { serviceName: 'php' }))).toBe(true);
    expect(seen(event('MemberNotice', { applicationId: 'portal', message: 'tenant globex.org (7) prepared' }))).toBe(false);
    expect(seen(event('ApplicationSignUpAdded', { applicationId: 'portal', tenantDomain: 'globex.org' }))).toBe(false);
    expect(seen(event('SomethingNew', { applicationId: 'portal' }))).toBe(false);
  });

  it('follows its own sign-ups while it watches: an application comes into view, and leaves it', () => {
    const scope: TenantScope = { tenantId: 3, tenantDomain: 'acme.com', applications: new Set() };
    expect(visibleToTenant(event('ClusterCreated', { applicationId: 'shop' }), scope)).toBe(false);
    expect(visibleToTenant(event('ApplicationSignUpAdded', { applicationId: 'shop', tenantDomain: 'acme.com' }), scope)).toBe(true);
    expect(visibleToTenant(event('ClusterScaled', { applicationId: 'shop' }), scope)).toBe(true);
    expect(visibleToTenant(event('ApplicationSignUpRemoved', { applicationId: 'shop', tenantDomain: 'acme.com' }), scope)).toBe(true);
    expect(visibleToTenant(event('ClusterScaled', { applicationId: 'shop' }), scope)).toBe(false);
  });
});

describe("a tenant's own deployments", () => {
  it("shows its own deployments of single-tenant applications, never another tenant's", () => {
    const scope: TenantScope = { tenantId: 3, tenantDomain: 'acme.com', applications: new Set() };
    expect(visibleToTenant(event('MemberCreated', { applicationId: 'solo~t3' }), scope)).toBe(true);
    expect(visibleToTenant(event('MemberCreated', { applicationId: 'solo~t31' }), scope)).toBe(false);
    expect(visibleToTenant(event('MemberCreated', { applicationId: 'solo' }), scope)).toBe(false);
  });
});
