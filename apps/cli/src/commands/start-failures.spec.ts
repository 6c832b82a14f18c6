import type { MemberStatus } from '@stratos/contracts';
import { StartFailures } from './start-failures';

const transition = (clusterId: string, memberId: string, from: MemberStatus, to: MemberStatus, reason?: string) => ({
  clusterId,
  from,
  reason,
  member: { memberId, status: to } as never,
});

describe('StartFailures (when --wait stops: a cluster that cannot start)', () => {
  it('stops at the third member of a cluster Lost before it was Active, naming the cluster and the last reason', () => {
    const failures = new StartFailures(3);
    expect(failures.observe(transition('app.web', 'web-1', 'Starting', 'Lost', 'artifacts: git clone failed'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-1', 'Lost', 'Terminated'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-2', 'Initialized', 'Lost', 'artifacts: git clone failed'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-3', 'Created', 'Lost', 'the start command exited (code 3)'))).toBe(
      'cluster app.web cannot start: 3 members in a row were Lost before any was Active; the last, web-3: the start command exited (code 3)',
    );
  });

  it('counts each cluster apart', () => {
    const failures = new StartFailures(2);
    expect(failures.observe(transition('app.a', 'a-1', 'Starting', 'Lost'))).toBeNull();
    expect(failures.observe(transition('app.b', 'b-1', 'Starting', 'Lost'))).toBeNull();
    expect(failures.observe(transition('app.b', 'b-2', 'Starting', 'Lost'))).toMatch(/^cluster app\.b cannot start: 2 members/);
  });

  it('starts again when a member of the cluster is Active', () => {
    const failures = new StartFailures(2);
    expect(failures.observe(transition('app.web', 'web-1', 'Starting', 'Lost'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-2', 'Starting', 'Active'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-3', 'Starting', 'Lost'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-4', 'Starting', 'Lost'))).not.toBeNull();
  });

  it('does not count a member Lost after it was Active: it started', () => {
    const failures = new StartFailures(1);
    expect(failures.observe(transition('app.web', 'web-1', 'Active', 'Lost', 'its local instance is gone'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-2', 'In_Maintenance', 'Lost'))).toBeNull();
    expect(failures.observe(transition('app.web', 'web-3', 'Starting', 'Lost'))).not.toBeNull();
  });

  it('never stops with a limit of 0', () => {
    const failures = new StartFailures(0);
    for (let i = 0; i < 20; i++) expect(failures.observe(transition('app.web', `web-${i}`, 'Starting', 'Lost'))).toBeNull();
  });
});
