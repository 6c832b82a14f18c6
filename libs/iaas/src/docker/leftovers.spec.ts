import { classify, type PlatformResources } from './leftovers';

describe('classify (stratos prune)', () => {
  const resources = (home: string | null): PlatformResources => ({ platformId: 'aaaaaaaa-1111', home, containers: [{ id: 'c1', name: 'stratos-m-1', state: 'running' }], volumes: ['v1'], networks: ['stratos-aaaaaaaa'] });
  const homes: Record<string, string> = { '/srv/live': 'aaaaaaaa-1111', '/srv/reused': 'bbbbbbbb-2222' };
  const idIn = (home: string) => homes[home] ?? null;

  it('leaves a platform whose home holds its id alone', () => {
    expect(classify(resources('/srv/live'), idIn)).toMatchObject({ orphaned: false, reason: '/srv/live is there: its platform\'s own' });
  });

  it('finds left over a platform whose home is gone, or is another platform\'s now', () => {
    expect(classify(resources('/srv/gone'), idIn)).toMatchObject({ orphaned: true, reason: '/srv/gone is gone (or holds no platform)' });
    expect(classify(resources('/srv/reused'), idIn)).toMatchObject({ orphaned: true, reason: "/srv/reused is now platform bbbbbbbb's" });
  });

  it('never calls resources without a home label left over: they go only when named', () => {
    const unlabelled = classify(resources(null), () => null);
    expect(unlabelled.orphaned).toBe(false);
    expect(unlabelled.reason).toContain('--platform aaaaaaaa-1111');
  });
});
