import fc from 'fast-check';
import { validateMigrationInput } from './migrations';

describe('validateMigrationInput', () => {
  it('takes a partition and cold, and names each problem at its pointer', () => {
    expect(validateMigrationInput({ to: 'eu-a' })).toEqual({ value: { to: 'eu-a', mode: 'cold' }, errors: [] });
    expect(validateMigrationInput({ to: 'np-1/eu-a', mode: 'cold' }).value).toEqual({ to: 'np-1/eu-a', mode: 'cold' });
    expect(validateMigrationInput({ to: 'a/b/c' }).errors.map((e) => e.path)).toEqual(['/to']);
    expect(validateMigrationInput({ to: 'eu-a', mode: 'live' }).errors).toEqual([expect.objectContaining({ path: '/mode', message: expect.stringMatching(/not built yet/), allowed: ['cold'] })]);
    expect(validateMigrationInput({ to: 'eu-a', why: 1 }).errors).toEqual([{ path: '/why', message: 'is not a field of a migration', allowed: ['to', 'mode'] }]);
    expect(validateMigrationInput([]).errors).toEqual([{ path: '', message: 'must be an object: {to, mode?}' }]);
  });

  it('never throws, and what it takes is a partition name and a known mode (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ to: fc.string(), mode: fc.oneof(fc.constant('cold'), fc.string()) }, { requiredKeys: [] })), (body) => {
        const { value, errors } = validateMigrationInput(body);
        if (value) {
          expect(errors).toEqual([]);
          expect(value.to).toMatch(/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128})?$/);
          expect(value.mode).toBe('cold');
        } else expect(errors.length).toBeGreaterThan(0);
      }),
      { seed: 19, numRuns: 1000 },
    );
  });
});
