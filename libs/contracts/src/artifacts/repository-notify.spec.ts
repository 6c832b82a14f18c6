import fc from 'fast-check';
import { notifiedRepositoryUrl, sameRepository } from './repository-notify';

describe('git hook bodies', () => {
  it("reads Stratos's, GitHub's and GitLab's repository URL", () => {
    expect(notifiedRepositoryUrl({ repository: { url: 'https://h/a.git' } })).toBe('https://h/a.git');
    expect(notifiedRepositoryUrl({ repository: { clone_url: 'https://h/b.git' } })).toBe('https://h/b.git');
    expect(notifiedRepositoryUrl({ repository: { git_http_url: 'https://h/c.git' } })).toBe('https://h/c.git');
  });

  it('property: anything else names no repository, and never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const url = notifiedRepositoryUrl(body);
        expect(url === null || typeof url === 'string').toBe(true);
      }),
      { seed: 3, numRuns: 500 },
    );
    expect(notifiedRepositoryUrl({ repository: { url: 42 } })).toBeNull();
    expect(notifiedRepositoryUrl(null)).toBeNull();
  });

  it('compares repositories without credentials, trailing "/" or ".git", and the host in any case', () => {
    expect(sameRepository('https://Git.Example.org/site.git', 'https://git.example.org/site/')).toBe(true);
    expect(sameRepository('https://user:pw@git.example.org/site.git', 'https://git.example.org/site')).toBe(true);
    expect(sameRepository('https://git.example.org/Site', 'https://git.example.org/site')).toBe(false);
    expect(sameRepository('https://git.example.org/site', 'https://git.example.org/site2')).toBe(false);
  });

  it('property: a URL is the same repository as itself with ".git" or "/" added', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: false, withFragments: false }), (url) => {
        const base = url.replace(/\/+$/, '').replace(/\.git$/, '');
        expect(sameRepository(base, `${base}.git`)).toBe(true);
        expect(sameRepository(base, `${base}/`)).toBe(true);
      }),
      { seed: 4, numRuns: 300 },
    );
  });
});
