import { canTransition, MemberStatus as M } from './lifecycle';

describe('member lifecycle', () => {
  it.each([
    [M.Created, M.Initialized],
    [M.Initialized, M.Starting],
    [M.Starting, M.Active],
    [M.Active, M.Suspended],
    [M.Suspended, M.Active],
    [M.Active, M.ReadyToShutDown],
    [M.ReadyToShutDown, M.Terminated],
    [M.Active, M.Lost],
    [M.Lost, M.Terminated],
    [M.Active, M.Migrating],
    [M.Migrating, M.Starting],
    [M.Migrating, M.Terminated],
  ])('allows %s → %s', (from, to) => expect(canTransition(from, to)).toBe(true));

  it.each([
    [M.Terminated, M.Active],
    [M.Active, M.Starting],
    [M.Active, M.Created],
    [M.Lost, M.Active],
    [M.ReadyToShutDown, M.Active],
    [M.Migrating, M.ReadyToShutDown], // its agent stopping on the source
    [M.Starting, M.Migrating],
  ])('refuses %s → %s', (from, to) => expect(canTransition(from, to)).toBe(false));
});
