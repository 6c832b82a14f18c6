import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode, sameRepository, type RepositoryNotifyRequest, type RepositoryNotifyResult } from '@stratos/contracts';
import { Database } from '@stratos/persistence';
import { MetadataPublisher } from '../metadata/metadata-publisher.service';
import { SecretBox } from '../secrets/secret-box';

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Git hooks: a notified repository moves the artifact revision of every deployed cluster that
 * clones it, and of every tenant's sign-up that names it (each only where the caller proved
 * itself for it: the repository's hook secret, the platform's admin, or — for its own sign-ups —
 * the tenant's admin). The revisions are in those members' trees (/artifacts/revision,
 * /tenants/<id>/artifacts/revision), so each member's agent pulls.
 */
@Injectable()
export class RepositoryHooks {
  constructor(
    private readonly database: Database,
    private readonly metadata: MetadataPublisher,
    private readonly secrets: SecretBox,
  ) {}

  async notify(request: RepositoryNotifyRequest): Promise<RepositoryNotifyResult> {
    const deployed = [...new Set((await this.database.runtime.deployments()).filter((d) => d.desired).map((d) => d.applicationId))];
    const using = (await this.database.runtime.allClusters()).filter((c) => {
      const repository = c.spec.artifactRepository;
      return deployed.includes(c.applicationId) && repository && sameRepository(repository.repoUrl, request.repoUrl);
    });
    const signUps = (await this.database.signups.ofApplications(deployed)).flatMap((signUp) => {
      const repositories = signUp.artifactRepositories.filter((r) => sameRepository(r.repoUrl, request.repoUrl));
      return repositories.length > 0 ? [{ signUp, repositories }] : [];
    });
    const proven = request.admin ? using : request.tenantId !== undefined ? [] : using.filter((c) => this.proves(request, c.spec.artifactRepository!.hookSecret));
    const provenSignUps = signUps
      .filter(({ signUp, repositories }) => request.admin || signUp.tenantId === request.tenantId || (request.tenantId === undefined && repositories.some((r) => this.proves(request, r.hookSecret))))
      .map(({ signUp }) => signUp);
    if (!request.admin && request.tenantId === undefined && proven.length + provenSignUps.length === 0) {
      // The same answer whether nothing uses the repository or the secret is wrong: a caller without the secret learns nothing.
      throw new DomainError(ErrorCode.Unauthenticated, "the hook proves no secret of a deployed repository: send the repository's hookSecret (X-Hub-Signature-256, X-Gitlab-Token or ?secret=), or an admin token");
    }
    if (proven.length + provenSignUps.length === 0) throw DomainError.notFound(`no deployed application${request.tenantId !== undefined ? ' your tenant signed up to' : ''} clones ${request.repoUrl.replace(/\/\/[^/@]*@/, '//')}`);
    await this.database.runtime.bumpArtifactRevisions(proven.map((c) => c.clusterId));
    await this.database.signups.bumpArtifactsRevisions(provenSignUps);
    for (const applicationId of new Set([...proven.map((c) => c.applicationId), ...provenSignUps.map((s) => s.applicationId)])) this.metadata.touch(applicationId);
    return {
      repoUrl: request.repoUrl,
      clusters: proven.map((c) => c.clusterId).sort(),
      signUps: provenSignUps.map((s) => ({ applicationId: s.applicationId, tenantDomain: s.tenantDomain })),
    };
  }

  private proves(request: RepositoryNotifyRequest, sealed: string | undefined): boolean {
    if (!sealed) return false;
    const secret = this.secrets.open(sealed);
    if (request.secret !== undefined && equal(request.secret, secret)) return true;
    if (request.signature !== undefined && request.body !== undefined) {
      return equal(request.signature, `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
    }
    return false;
  }
}
