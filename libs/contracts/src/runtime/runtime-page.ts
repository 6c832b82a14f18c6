import type { FieldIssue } from '../errors';

/** Members listed per cluster at most in one page of the runtime view. */
export const RUNTIME_PAGE_MAX_MEMBERS = 1000;

/**
 * A page of an application's runtime view (`GET /api/applications/{id}/runtime?members=N`): at
 * most `members` members of each cluster, in member id order — with every cluster's count by
 * state all the same — and the rest of one cluster's with `cluster` and `after` (the last member
 * id of the page before; a member gone meanwhile does not break the walk). Without `members` the
 * view lists every member, as before.
 */
export interface RuntimePage {
  members?: number;
  cluster?: string;
  after?: string;
}

/** Ids as the view shows them: any text of up to 300 characters but control characters. */
const ID = /^[^\u0000-\u001f\u007f]{1,300}$/;

/** The page a query asks for, or what is wrong with it (each issue's path is `?name`). */
export function parseRuntimePage(query: Record<string, unknown>): { page: RuntimePage; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const page: RuntimePage = {};
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      issues.push({ path: `?${name}`, message: 'must be given once' });
      return undefined;
    }
    return value;
  };
  const members = text('members');
  if (members !== undefined) {
    if (/^\d{1,4}$/.test(members) && Number(members) <= RUNTIME_PAGE_MAX_MEMBERS) page.members = Number(members);
    else issues.push({ path: '?members', message: `must be an integer from 0 to ${RUNTIME_PAGE_MAX_MEMBERS} (members listed per cluster)` });
  }
  for (const name of ['cluster', 'after'] as const) {
    const value = text(name);
    if (value === undefined) continue;
    if (ID.test(value)) page[name] = value;
    else issues.push({ path: `?${name}`, message: `must be a ${name === 'cluster' ? 'cluster' : 'member'} id (1 to 300 characters, no control characters)` });
  }
  if (page.after !== undefined && page.cluster === undefined) issues.push({ path: '?after', message: "goes with ?cluster: the cluster whose members continue (a cluster's nextMembersAfter)" });
  if ((page.after !== undefined || page.cluster !== undefined) && page.members === undefined && !issues.some((i) => i.path === '?members')) {
    issues.push({ path: '?members', message: 'is required with ?cluster and ?after (members listed per page)' });
  }
  return { page, issues };
}
