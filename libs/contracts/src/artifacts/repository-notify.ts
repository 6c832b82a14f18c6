/**
 * A git hook (Stratos's POST /api/repo/notify): the repository that changed, and how the caller
 * proves it may say so — the platform admin's token, or the repository's hook secret
 * (`artifactRepository.hookSecret`) as GitHub sends it (X-Hub-Signature-256, an HMAC of the
 * body), as GitLab does (X-Gitlab-Token), or as `?secret=`.
 */
export interface RepositoryNotifyRequest {
  repoUrl: string;
  admin: boolean;
  /** The caller is this tenant's admin (its bearer token): its own sign-ups' repositories are proven. */
  tenantId?: number;
  secret?: string;
  /** GitHub's `sha256=<hex>` of `body`. */
  signature?: string;
  body?: string;
}

export interface RepositoryNotifyResult {
  repoUrl: string;
  /** The clusters whose members pull it now. */
  clusters: string[];
  /** The tenants' sign-ups whose members pull the tenant's checkout now (the tenant's own only, for a tenant). */
  signUps: { applicationId: string; tenantDomain: string }[];
}

/** The URL a hook sends, from Stratos's body ({repository: {url}}) or GitHub's and GitLab's push events. */
export function notifiedRepositoryUrl(body: unknown): string | null {
  const repository = body && typeof body === 'object' ? (body as Record<string, unknown>).repository : undefined;
  if (!repository || typeof repository !== 'object') return null;
  const r = repository as Record<string, unknown>;
  for (const key of ['url', 'clone_url', 'git_http_url']) if (typeof r[key] === 'string' && r[key]) return r[key] as string;
  return null;
}

/** Two spellings of one repository compare equal: no credentials, no trailing "/" or ".git", host in lower case. */
export function sameRepository(a: string, b: string): boolean {
  const normal = (url: string) => {
    const trimmed = url.trim().replace(/\/\/[^/@]*@/, '//').replace(/\/+$/, '').replace(/\.git$/, '');
    return trimmed.replace(/^([a-z]+:\/\/)([^/]+)/i, (_, scheme: string, host: string) => `${scheme.toLowerCase()}${host.toLowerCase()}`);
  };
  return normal(a) === normal(b);
}
