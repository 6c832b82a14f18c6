import { canTransition, isLateShutdownWord, MemberStatus as M } from './lifecycle';

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

  it('tells a late word (an agent stopping after its member was Lost or moved) from a wrong one', () => {
    expect(isLateShutdownWord(M.Lost, M.ReadyToShutDown)).toBe(true);
    expect(isLateShutdownWord(M.Migrating, M.ReadyToShutDown)).toBe(true);
    expect(isLateShutdownWord(M.Terminated, M.ReadyToShutDown)).toBe(false);
    expect(isLateShutdownWord(M.Lost, M.Active)).toBe(false);
    // Only refused transitions are asked about: a late word is never an allowed one.
    for (const from of Object.values(M)) if (isLateShutdownWord(from, M.ReadyToShutDown)) expect(canTransition(from, M.ReadyToShutDown)).toBe(false);
  });
});
