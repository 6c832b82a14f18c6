import { DomainError } from '@stratos/contracts';
import { mayManageUsersOf, qualifyUserName, resolveRole, type Actor } from './user-access';

const admin: Actor = { username: 'admin', role: 'admin', tenantId: null, tenantDomain: null };
const reader: Actor = { username: 'ro', role: 'user', tenantId: null, tenantDomain: null };
const boss: Actor = { username: 'boss@acme.com', role: 'tenant-admin', tenantId: 1, tenantDomain: 'acme.com' };
const bob: Actor = { username: 'bob@acme.com', role: 'tenant-user', tenantId: 1, tenantDomain: 'acme.com' };

describe('user access', () => {
  it("qualifies a tenant admin's names with its own domain and refuses another tenant's", () => {
    expect(qualifyUserName(boss, 'carol').login).toBe('carol@acme.com');
    expect(qualifyUserName(boss, 'carol@ACME.com').login).toBe('carol@acme.com');
    expect(() => qualifyUserName(boss, 'eve@globex.org')).toThrow(DomainError);
    expect(qualifyUserName(admin, 'eve@Globex.org')).toEqual({ login: 'eve@globex.org', name: 'eve', domain: 'globex.org' });
    expect(qualifyUserName(admin, 'ops')).toEqual({ login: 'ops', name: 'ops', domain: null });
  });

  it('lets the platform admin manage everyone, a tenant admin its own tenant, nobody else anyone', () => {
    expect([null, 1, 2].map((t) => mayManageUsersOf(admin, t))).toEqual([true, true, true]);
    expect([null, 1, 2].map((t) => mayManageUsersOf(boss, t))).toEqual([false, true, false]);
    for (const actor of [reader, bob]) expect([null, 1, 2].map((t) => mayManageUsersOf(actor, t))).toEqual([false, false, false]);
  });

  it("maps Stratos's role names inside a tenant, and refuses a tenant role on the platform", () => {
    expect(resolveRole('admin', true)).toEqual({ role: 'tenant-admin' });
    expect(resolveRole(undefined, true)).toEqual({ role: 'tenant-user' });
    expect(resolveRole(undefined, false)).toEqual({ role: 'user' });
    expect(resolveRole('tenant-admin', false)).toMatchObject({ error: { path: '/role', allowed: ['admin', 'user'] } });
    expect(resolveRole('Internal/everyone', true)).toMatchObject({ error: { path: '/role' } });
  });
});
