import { DEFAULT_REGION, parseArtifactImageRef, type FieldIssue } from '@stratos/contracts';
import type { StoredArtifactVersion } from '@stratos/persistence';
import type { ClusterPlan } from '../runtime/deployment-plan';

/** The artifacts the plan's placements name (artifact:NAME[@VERSION]), by name. */
export function artifactNamesOf(clusters: ClusterPlan[]): string[] {
  return [...new Set(clusters.flatMap((c) => c.spec.placements.map((p) => parseArtifactImageRef(p.imageId)?.name).filter((n): n is string => n !== undefined)))];
}

/**
 * Each placement whose cartridge names an image artifact gets the version's image — the one its
 * region's engine has (a copy keeps the image's name and id) — and the version it came from; a
 * region where that version is not Available refuses the deploy, naming the region and where it
 * is. No version named: the artifact's newest. `versions`: every version of each named artifact.
 */
export function resolveArtifactImages(clusters: ClusterPlan[], versions: Map<string, StoredArtifactVersion[]>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const said = new Set<string>();
  const issue = (key: string, found: FieldIssue) => {
    if (said.has(key)) return; // once per cartridge and region, not per partition
    said.add(key);
    issues.push(found);
  };
  for (const cluster of clusters) {
    for (const placement of cluster.spec.placements) {
      const ref = parseArtifactImageRef(placement.imageId);
      if (!ref) continue;
      const path = `/cartridges/${cluster.spec.cartridgeType}/iaasProvider`;
      const all = versions.get(ref.name) ?? [];
      const version = ref.version === undefined ? [...all].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).at(-1) : all.find((v) => v.version === ref.version);
      if (!version) {
        issue(`${path}|${placement.imageId}`, { path, message: `"${placement.imageId}" names ${ref.version === undefined ? `artifact ${ref.name}, which has no version` : `artifact ${ref.name}@${ref.version}, which does not exist`}`, allowed: all.map((v) => `${v.name}@${v.version}`) });
        continue;
      }
      const region = placement.region ?? DEFAULT_REGION;
      const kind = placement.driver.split('@')[0];
      if (kind !== version.provider) {
        issue(`${path}|${version.name}@${version.version}|${kind}`, { path, message: `artifact ${version.name}@${version.version} is a ${version.provider} image; partition "${placement.partitionId}" runs its members with the ${kind} driver`, allowed: [version.provider] });
        continue;
      }
      const copy = version.regions[region];
      if (copy?.state !== 'Available') {
        const where = Object.entries(version.regions).filter(([, r]) => r.state === 'Available').map(([name]) => name);
        issue(`${path}|${version.name}@${version.version}|${region}`, {
          path,
          message: `artifact ${version.name}@${version.version} is not Available in region ${region} (partition "${placement.partitionId}")${copy ? `: ${copy.state}${copy.state === 'Copying' ? ` ${copy.percent}%` : ''}${copy.reason ? `, ${copy.reason}` : ''}` : ''}; distribute it there first (stratos artifact distribute ${version.name}@${version.version} --to ${region})`,
          allowed: where,
        });
        continue;
      }
      placement.imageId = version.image;
      placement.artifact = { name: version.name, version: version.version };
    }
  }
  return issues;
}
