import fc from 'fast-check';
import { splitLoginName, validateTenantInput, validateUserInput } from './tenants';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,6}$/)).map(([labels, tld]) => [...labels, tld].join('.'));
const userName = fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/);
const password = fc.string({ minLength: 12, maxLength: 40 }).filter((p) => !/[\u0000\ud800-\udfff]/.test(p));

describe('validateTenantInput', () => {
  it('accepts every well-formed TenantInfoBean, the domain in lower case (property)', () => {
    fc.assert(
      fc.property(domain, userName, password, fc.boolean(), (d, admin, adminPassword, upper) => {
        const { value, errors } = validateTenantInput({ tenantDomain: upper ? d.toUpperCase() : d, admin, adminPassword, email: `ops@${d}` }, 'add');
        expect(errors).toEqual([]);
        expect(value).toMatchObject({ tenantDomain: d, admin, adminPassword, email: `ops@${d}` });
      }),
      { seed: 10, numRuns: 300 },
    );
  });

  it('answers any JSON with issues that point into it, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom('add' as const, 'update' as const), (input, mode) => {
        for (const issue of validateTenantInput(input, mode).errors) expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      }),
      { seed: 10, numRuns: 500 },
    );
  });

  it("folds Stratos's firstname/lastname spellings into firstName/lastName", () => {
    expect(validateTenantInput({ tenantDomain: 'acme.com', firstname: 'Wile', lastname: 'Coyote' }, 'update').value).toMatchObject({ firstName: 'Wile', lastName: 'Coyote' });
  });

  it.each([
    [{ tenantDomain: 'localhost' }, '/tenantDomain'],
    [{ tenantDomain: '-acme.com' }, '/tenantDomain'],
    [{ tenantDomain: 'acme..com' }, '/tenantDomain'],
    [{ tenantDomain: 'carbon.super' }, '/tenantDomain'],
    [{ tenantDomain: 'acme.com', adminPassword: 'short' }, '/adminPassword'],
    [{ tenantDomain: 'acme.com', email: 'two words@x' }, '/email'],
    [{ tenantDomain: 'acme.com', admin: 'a b' }, '/admin'],
    [{ tenantDomain: 'acme.com', tenantId: 'x' }, '/tenantId'],
    [{}, '/tenantDomain'],
  ])('refuses %j at %s', (input, path) => {
    expect(validateTenantInput(input, 'update').errors.map((e) => e.path)).toContain(path);
  });

  it('needs the admin, its password and an e-mail to add, not to update', () => {
    expect(validateTenantInput({ tenantDomain: 'acme.com' }, 'add').errors.map((e) => e.path)).toEqual(['/admin', '/adminPassword', '/email']);
    expect(validateTenantInput({ tenantDomain: 'acme.com' }, 'update').errors).toEqual([]);
  });

  it('takes a quota of whole numbers, null removing a limit', () => {
    expect(validateTenantInput({ tenantDomain: 'acme.com', quota: { deployments: null, members: 3 } }, 'update')).toMatchObject({ errors: [], value: { quota: { deployments: null, members: 3 } } });
    expect(validateTenantInput({ tenantDomain: 'acme.com', quota: { deployments: -1, members: 'many' } }, 'update').errors.map((e) => e.path)).toEqual(['/quota/deployments', '/quota/members']);
  });
});

describe('validateUserInput', () => {
  it("reads Stratos's UserInfoBean and this platform's username/password alike (property)", () => {
    fc.assert(
      fc.property(userName, password, fc.boolean(), (name, credential, stratos) => {
        const input = stratos ? { userName: name, credential } : { username: name, password: credential };
        const { value, errors } = validateUserInput(input, 'add');
        expect(errors).toEqual([]);
        expect(value).toMatchObject({ userName: name, credential });
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('answers any JSON with issues that point into it, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        for (const issue of validateUserInput(input, 'add').errors) expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      }),
      { seed: 11, numRuns: 500 },
    );
  });

  it('refuses two different spellings of one field, and a missing name or password', () => {
    expect(validateUserInput({ userName: 'a', username: 'b', credential: 'long-enough-pw' }, 'add').errors.map((e) => e.path)).toEqual(['/username']);
    expect(validateUserInput({ userName: 'a', credential: 'long-enough-pw', password: 'other-long-pw' }, 'add').errors.map((e) => e.path)).toEqual(['/password']);
    expect(validateUserInput({}, 'add').errors.map((e) => e.path)).toEqual(['/userName', '/credential']);
    expect(validateUserInput({ userName: 'a' }, 'update').errors).toEqual([]);
  });
});

describe('splitLoginName', () => {
  it('splits at the last @, the domain in lower case', () => {
    expect(splitLoginName('bob@Acme.COM')).toEqual({ name: 'bob', domain: 'acme.com' });
    expect(splitLoginName('admin')).toEqual({ name: 'admin', domain: null });
  });
});
