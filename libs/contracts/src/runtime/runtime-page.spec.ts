import fc from 'fast-check';
import { parseRuntimePage, RUNTIME_PAGE_MAX_MEMBERS } from './runtime-page';

describe('parseRuntimePage', () => {
  it('takes no paging, a page size, and one cluster after a member', () => {
    expect(parseRuntimePage({})).toEqual({ page: {}, issues: [] });
    expect(parseRuntimePage({ members: '100' })).toEqual({ page: { members: 100 }, issues: [] });
    expect(parseRuntimePage({ members: '0' })).toEqual({ page: { members: 0 }, issues: [] });
    expect(parseRuntimePage({ members: '50', cluster: 'fleet.agent', after: 'fleet-0a1b' })).toEqual({ page: { members: 50, cluster: 'fleet.agent', after: 'fleet-0a1b' }, issues: [] });
  });

  it('names the parameter and what it takes', () => {
    expect(parseRuntimePage({ members: '1001' }).issues).toEqual([{ path: '?members', message: expect.stringContaining(`from 0 to ${RUNTIME_PAGE_MAX_MEMBERS}`) }]);
    expect(parseRuntimePage({ members: ['1', '2'] }).issues).toEqual([{ path: '?members', message: 'must be given once' }]);
    expect(parseRuntimePage({ members: '5', after: 'm-1' }).issues).toEqual([{ path: '?after', message: expect.stringContaining('?cluster') }]);
    expect(parseRuntimePage({ cluster: 'c', after: 'm' }).issues).toEqual([{ path: '?members', message: expect.stringContaining('required') }]);
    expect(parseRuntimePage({ members: '5', cluster: 'a\u0000b' }).issues.map((i) => i.path)).toEqual(['?cluster']);
  });

  it('accepts exactly the queries whose parts are well formed, and keeps what it accepts (property)', () => {
    const part = fc.oneof(fc.constant(undefined), fc.string(), fc.nat({ max: 2000 }).map(String), fc.array(fc.string(), { minLength: 2, maxLength: 2 }));
    fc.assert(
      fc.property(fc.record({ members: part, cluster: part, after: part }, { requiredKeys: [] }), (query) => {
        const { page, issues } = parseRuntimePage(query);
        for (const issue of issues) expect(issue.path).toMatch(/^\?(members|cluster|after)$/);
        if (issues.length === 0) {
          if (page.members !== undefined) expect(page.members).toBeLessThanOrEqual(RUNTIME_PAGE_MAX_MEMBERS);
          if (page.after !== undefined) expect(page.cluster).toBeDefined();
          for (const key of ['members', 'cluster', 'after'] as const) expect(query[key] === undefined).toBe(page[key] === undefined);
        }
      }),
      { seed: 5, numRuns: 1000 },
    );
  });
});
