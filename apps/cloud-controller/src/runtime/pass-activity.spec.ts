import fc from 'fast-check';
import { PassActivity } from './pass-activity';

describe('PassActivity', () => {
  it("says how long the pass has run, where it is and what it launched", () => {
    const activity = new PassActivity();
    activity.start(1_000);
    expect(activity.describe(31_000)).toBe('a reconcile pass has been running for 30 s, listing what runs: 0 members launched in it so far');
    activity.reconciling('hello');
    activity.memberLaunched();
    expect(activity.describe(61_400)).toBe('a reconcile pass has been running for 60 s, at application hello (1 reconciled or in hand): 1 member launched in it so far');
    activity.reconciling('fleet');
    activity.memberLaunched();
    activity.launchFailed();
    expect(activity.describe(91_000)).toBe('a reconcile pass has been running for 90 s, at application fleet (2 reconciled or in hand): 2 members launched, 1 launch failed in it so far');
  });

  it('starts each pass from nothing', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), (launched, failed) => {
        const activity = new PassActivity();
        activity.start(0);
        activity.reconciling('a');
        for (let i = 0; i < launched; i++) activity.memberLaunched();
        for (let i = 0; i < failed; i++) activity.launchFailed();
        expect(activity.describe(0)).toContain(`${launched} member${launched === 1 ? '' : 's'} launched`);
        activity.start(10_000);
        expect(activity.describe(40_000)).toBe('a reconcile pass has been running for 30 s, listing what runs: 0 members launched in it so far');
      }),
    );
  });
});
