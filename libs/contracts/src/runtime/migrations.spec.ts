import fc from 'fast-check';
import { migrationModeIssues, validateMigrationInput } from './migrations';

describe('validateMigrationInput', () => {
  it('takes a partition and a mode (none: the cartridge says), and names each problem at its pointer', () => {
    expect(validateMigrationInput({ to: 'eu-a' })).toEqual({ value: { to: 'eu-a' }, errors: [] });
    expect(validateMigrationInput({ to: 'np-1/eu-a', mode: 'cold' }).value).toEqual({ to: 'np-1/eu-a', mode: 'cold' });
    expect(validateMigrationInput({ to: 'eu-a', mode: 'live' }).value).toEqual({ to: 'eu-a', mode: 'live' });
    expect(validateMigrationInput({ to: 'a/b/c' }).errors.map((e) => e.path)).toEqual(['/to']);
    expect(validateMigrationInput({ to: 'eu-a', mode: 'warm' }).errors).toEqual([{ path: '/mode', message: 'must be cold or live', allowed: ['cold', 'live'] }]);
    expect(validateMigrationInput({ to: 'eu-a', why: 1 }).errors).toEqual([{ path: '/why', message: 'is not a field of a migration', allowed: ['to', 'mode'] }]);
    expect(validateMigrationInput([]).errors).toEqual([{ path: '', message: 'must be an object: {to, mode?}' }]);
  });

  it('never throws, and what it takes is a partition name and a known mode (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ to: fc.string(), mode: fc.oneof(fc.constantFrom('cold', 'live'), fc.string()) }, { requiredKeys: [] })), (body) => {
        const { value, errors } = validateMigrationInput(body);
        if (value) {
          expect(errors).toEqual([]);
          expect(value.to).toMatch(/^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128})?$/);
          expect([undefined, 'cold', 'live']).toContain(value.mode);
        } else expect(errors.length).toBeGreaterThan(0);
      }),
      { seed: 19, numRuns: 1000 },
    );
  });

  it('finds a migration.mode property that is no mode, at its pointer, and nothing else (property)', () => {
    expect(migrationModeIssues([{ name: 'x', value: 'warm' }, { name: 'migration.mode', value: 'warm' }], '/p')).toEqual([{ path: '/p/1/value', message: 'must be cold or live', allowed: ['cold', 'live'] }]);
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.constantFrom('migration.mode', 'container.memory', 'other'), value: fc.oneof(fc.constantFrom('cold', 'live'), fc.string()) })), (properties) => {
        const issues = migrationModeIssues(properties, '');
        expect(issues.map((i) => Number(i.path.split('/')[1]))).toEqual(properties.flatMap((p, i) => (p.name === 'migration.mode' && p.value !== 'cold' && p.value !== 'live' ? [i] : [])));
      }),
      { seed: 23, numRuns: 500 },
    );
  });
});
