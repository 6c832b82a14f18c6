import fc from 'fast-check';
import { signedUpTenants, SignUpTreeKey, tenantFolder, validateDomainMappings, validateSignUp } from './signups';

const alias = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const url = fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((name) => `https://git.example.com/${name}.git`);

describe('validateSignUp', () => {
  it("accepts Stratos's ApplicationSignUpBean with one repository per alias (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(alias, { maxLength: 5 }), url, (aliases, repoUrl) => {
        const artifactRepositories = aliases.map((a) => ({ alias: a, repoUrl, privateRepo: false }));
        const { value, errors } = validateSignUp({ artifactRepositories });
        expect(errors).toEqual([]);
        expect(value.artifactRepositories).toEqual(artifactRepositories);
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('answers any JSON with issues that point into it, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        for (const issue of validateSignUp(input).errors) expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      }),
      { seed: 12, numRuns: 500 },
    );
  });

  it('refuses two repositories for one alias, a password without a user name, a URL that is not git', () => {
    const twice = validateSignUp({ artifactRepositories: [{ alias: 'web', repoUrl: 'https://a/x.git' }, { alias: 'web', repoUrl: 'https://a/y.git' }] });
    expect(twice.errors.map((e) => e.path)).toEqual(['/artifactRepositories/1/alias']);
    expect(validateSignUp({ artifactRepositories: [{ alias: 'web', repoUrl: 'https://a/x.git', repoPassword: 'p' }] }).errors.map((e) => e.path)).toEqual(['/artifactRepositories/0/repoUsername']);
    expect(validateSignUp({ artifactRepositories: [{ alias: 'web', repoUrl: 'not a url' }] }).errors.map((e) => e.path)).toEqual(['/artifactRepositories/0/repoUrl']);
    expect(validateSignUp(undefined).errors).toEqual([]); // Stratos's CLI may post no body: no repositories
  });
});

describe('the tenants of a tree', () => {
  it('reads each tenant, its revision and repository from /tenants/<id>/…, and nothing else', () => {
    const tree = {
      [SignUpTreeKey.domain(3)]: 'acme.com',
      [SignUpTreeKey.revision(3)]: '2',
      [SignUpTreeKey.artifactsUrl(3)]: 'https://git/acme.git',
      [SignUpTreeKey.artifactsRevision(3)]: '5',
      [SignUpTreeKey.domain(12)]: 'globex.org',
      '/tenants/x/domain': 'not a tenant id',
      '/env/tenants/4/domain': 'not under /tenants',
    };
    expect([...signedUpTenants(tree)]).toEqual([
      [3, { domain: 'acme.com', revision: 2, artifactsUrl: 'https://git/acme.git', artifactsRevision: 5 }],
      [12, { domain: 'globex.org', revision: 0, artifactsUrl: null, artifactsRevision: 0 }],
    ]);
    expect(tenantFolder('/var/www/', 3)).toBe('/var/www/tenants/3');
  });
});

describe('validateDomainMappings', () => {
  const domain = fc.tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.stringMatching(/^[a-z]{2,5}$/)).map(([a, b]) => `${a}.${b}`);
  it('reads Stratos\'s ApplicationDomainMappingsBean, domains in lower case, context paths without a trailing slash (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(domain, { minLength: 1, maxLength: 5 }), fc.constantFrom(undefined, '/', '/shop', '/shop/'), (domains, contextPath) => {
        const { value, errors } = validateDomainMappings({ domainMappings: domains.map((d) => ({ cartridgeAlias: 'web', domainName: d.toUpperCase(), ...(contextPath && { contextPath }) })) });
        expect(errors).toEqual([]);
        expect(value.map((m) => m.domainName)).toEqual(domains);
        for (const m of value) expect(m.contextPath).toBe(contextPath === '/shop' || contextPath === '/shop/' ? '/shop' : '/');
      }),
      { seed: 13, numRuns: 200 },
    );
  });

  it('answers any JSON with issues that point into it, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        for (const issue of validateDomainMappings(input).errors) expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  it('refuses a domain twice, a domain that is no DNS name, a context path that is not a path', () => {
    expect(validateDomainMappings({ domainMappings: [{ cartridgeAlias: 'a', domainName: 'x.com' }, { cartridgeAlias: 'b', domainName: 'X.com' }] }).errors.map((e) => e.path)).toEqual(['/domainMappings/1/domainName']);
    expect(validateDomainMappings({ domainMappings: [{ cartridgeAlias: 'a', domainName: 'localhost' }] }).errors.map((e) => e.path)).toEqual(['/domainMappings/0/domainName']);
    expect(validateDomainMappings({ domainMappings: [{ cartridgeAlias: 'a', domainName: 'x.com', contextPath: 'shop' }] }).errors.map((e) => e.path)).toEqual(['/domainMappings/0/contextPath']);
    expect(validateDomainMappings({}).errors.map((e) => e.path)).toEqual(['/domainMappings']);
  });
});
