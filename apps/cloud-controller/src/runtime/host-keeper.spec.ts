import { MemberStatus } from '@stratos/contracts';
import type { ActualInstance } from '@stratos/iaas';
import { hostVerdicts } from './host-keeper.service';

const instance = (memberId: string, running: boolean, instanceId = `pid-${memberId}`): ActualInstance => ({ instanceId, memberId, clusterId: 'app.web', applicationId: 'app', running });
const member = (memberId: string, status: MemberStatus, overrides: { driver?: string; instanceId?: string } = {}) => ({ memberId, status, driver: overrides.driver ?? 'local', instanceId: overrides.instanceId ?? `pid-${memberId}` });

describe('hostVerdicts', () => {
  it('removes instances whose member is gone or terminated, and keeps those of live members', () => {
    const { remove, lost } = hostVerdicts('local', [instance('gone', true), instance('ended', false), instance('alive', true)], [member('ended', MemberStatus.Terminated), member('alive', MemberStatus.Active)]);
    expect(remove.map((i) => i.memberId)).toEqual(['gone', 'ended']);
    expect(lost).toEqual([]);
  });

  it('finds Lost a stopped instance of a member that should run, and only its own recorded instance of its own driver', () => {
    const { remove, lost } = hostVerdicts(
      'local',
      [instance('dead', false), instance('stopping', false), instance('moved', false), instance('other-side', false, 'pid-old')],
      [member('dead', MemberStatus.Active), member('stopping', MemberStatus.ReadyToShutDown), member('moved', MemberStatus.Active, { driver: 'local@west' }), member('other-side', MemberStatus.Starting, { instanceId: 'pid-new' })],
    );
    expect(lost.map((i) => i.memberId)).toEqual(['dead']);
    expect(remove).toEqual([]);
  });
});
