import type { ClusterCrashes } from '@stratos/contracts';
import { StartFailures } from './start-failures';

const crashes = (inARow: number, lastReason = 'the start command exited (code 3)'): ClusterCrashes => ({
  inARow,
  lastMemberId: `web-${inARow}`,
  lastReason,
  lastAt: '2026-12-06T05:00:00.000Z',
  nextLaunchAt: '2026-12-06T05:00:04.000Z',
});

describe('StartFailures (when --wait stops: a cluster that cannot start)', () => {
  it('stops when the controller counts the limit of crashes in a row, naming the cluster and the last reason', () => {
    const failures = new StartFailures(3);
    expect(failures.observe({ clusterId: 'app.web', crashes: crashes(1) })).toBeNull();
    expect(failures.observe({ clusterId: 'app.web', crashes: crashes(2) })).toBeNull();
    expect(failures.observe({ clusterId: 'app.web', crashes: crashes(3, 'artifacts: git clone failed') })).toBe(
      'cluster app.web cannot start: its members crashed 3 times in a row; the last, web-3: artifacts: git clone failed',
    );
    expect(failures.observe({ clusterId: 'app.web', crashes: crashes(7) })).toMatch(/crashed 7 times in a row/);
  });

  it('does not stop on a crash loop forgiven (null) or below the limit', () => {
    const failures = new StartFailures(2);
    expect(failures.observe({ clusterId: 'app.web', crashes: null })).toBeNull();
    expect(failures.observe({ clusterId: 'app.web', crashes: crashes(1) })).toBeNull();
  });

  it('never stops with a limit of 0', () => {
    const failures = new StartFailures(0);
    for (let i = 1; i < 20; i++) expect(failures.observe({ clusterId: 'app.web', crashes: crashes(i) })).toBeNull();
  });
});
