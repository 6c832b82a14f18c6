import type { Placement } from '@stratos/contracts';
import type { StoredArtifactVersion } from '@stratos/persistence';
import type { ClusterPlan } from '../runtime/deployment-plan';
import { artifactNamesOf, resolveArtifactImages } from './artifact-images';

const place = (partitionId: string, region: string | undefined, imageId: string): Placement => ({ networkPartitionId: 'np', partitionId, partitionMax: null, provider: 'docker', driver: region ? `docker@${region}` : 'docker', region, imageId });
const cluster = (placements: Placement[]) => ({ clusterId: 'app.web', spec: { cartridgeType: 'web', placements } }) as unknown as ClusterPlan;
const version = (v: string, at: number, regions: StoredArtifactVersion['regions']): StoredArtifactVersion => ({ name: 'web', version: v, provider: 'docker', image: `registry.lan/web:${v}`, sourceRegion: 'default', imageId: `sha256:${v}`, sizeBytes: 1, createdBy: 'admin', createdAt: new Date(at), regions });
const available = { state: 'Available' as const, percent: 100, updatedAt: '' };

describe('resolveArtifactImages', () => {
  const versions = new Map([['web', [version('1.0', 1, { default: available, eu: available }), version('2.0', 2, { default: available, eu: { state: 'Copying', percent: 40, updatedAt: '' } })]]]);

  it("gives each placement its region's copy of the named version, and notes the version", () => {
    const plan = [cluster([place('home', undefined, 'artifact:web@1.0'), place('eu-a', 'eu', 'artifact:web@1.0'), place('plain', undefined, 'nginx:1')])];
    expect(artifactNamesOf(plan)).toEqual(['web']);
    expect(resolveArtifactImages(plan, versions)).toEqual([]);
    expect(plan[0].spec.placements.map((p) => [p.imageId, p.artifact])).toEqual([
      ['registry.lan/web:1.0', { name: 'web', version: '1.0' }],
      ['registry.lan/web:1.0', { name: 'web', version: '1.0' }],
      ['nginx:1', undefined],
    ]);
  });

  it('takes the newest version where none is named, and refuses a region where it is not Available, once, naming where it is', () => {
    const plan = [cluster([place('home', undefined, 'artifact:web'), place('eu-a', 'eu', 'artifact:web'), place('eu-b', 'eu', 'artifact:web')])];
    const issues = resolveArtifactImages(plan, versions);
    expect(issues).toEqual([{ path: '/cartridges/web/iaasProvider', message: expect.stringMatching(/^artifact web@2\.0 is not Available in region eu \(partition "eu-a"\): Copying 40%; distribute it there first/), allowed: ['default'] }]);
    expect(plan[0].spec.placements[0].imageId).toBe('registry.lan/web:2.0');
  });

  it("refuses a partition whose driver is not the version's kind of image (a docker image for a local member)", () => {
    const local: Placement = { networkPartitionId: 'np', partitionId: 'here', partitionMax: null, provider: 'local', driver: 'local', imageId: 'artifact:web@1.0' };
    const plan = [cluster([local])];
    expect(resolveArtifactImages(plan, versions)).toEqual([{ path: '/cartridges/web/iaasProvider', message: 'artifact web@1.0 is a docker image; partition "here" runs its members with the local driver', allowed: ['docker'] }]);
    expect(plan[0].spec.placements[0].imageId).toBe('artifact:web@1.0');
  });

  it('refuses an artifact or version that does not exist', () => {
    expect(resolveArtifactImages([cluster([place('home', undefined, 'artifact:web@9')])], versions)).toEqual([{ path: '/cartridges/web/iaasProvider', message: '"artifact:web@9" names artifact web@9, which does not exist', allowed: ['web@1.0', 'web@2.0'] }]);
    expect(resolveArtifactImages([cluster([place('home', undefined, 'artifact:api')])], versions)).toEqual([{ path: '/cartridges/web/iaasProvider', message: '"artifact:api" names artifact api, which has no version', allowed: [] }]);
  });
});
