import { memberEvents, watchedMembers } from './extensions';

const host = (prefix: string, id: string, status: string, ip = '10.0.0.1') => ({ [`${prefix}/hosts/${id}/status`]: status, [`${prefix}/hosts/${id}/ip`]: ip, [`${prefix}/hosts/${id}/sid`]: '1' });

describe('member events from two trees', () => {
  it('sees its own cluster and its links', () => {
    const members = watchedMembers({ ...host('', 'a', 'Active'), ...host('/links/db', 'd', 'Starting', '10.0.0.9'), '/host/ip': '10.0.0.1' });
    expect([...members.values()]).toEqual([
      { memberId: 'a', ip: '10.0.0.1', sid: '1', status: 'Active', link: '' },
      { memberId: 'd', ip: '10.0.0.9', sid: '1', status: 'Starting', link: 'db' },
    ]);
  });

  it('reports a member that became Active once, and one that left', () => {
    const before = { ...host('', 'a', 'Active'), ...host('', 'b', 'Starting'), ...host('/links/db', 'd', 'Active') };
    const after = { ...host('', 'a', 'Active'), ...host('', 'b', 'Active'), ...host('', 'c', 'Initialized') };
    expect(memberEvents(before, after).map((e) => [e.event, e.member.link, e.member.memberId])).toEqual([
      ['member-activated', '', 'b'],
      ['member-terminated', 'db', 'd'],
    ]);
    expect(memberEvents(after, after)).toEqual([]);
  });
});
