import fc from 'fast-check';
import { validateMetadataProperty } from './metadata-api';

describe('validateMetadataProperty', () => {
  it('accepts every well-formed property as it is (property)', () => {
    const key = fc.stringMatching(/^[a-zA-Z0-9_.:-]{1,40}$/);
    fc.assert(
      fc.property(key, fc.array(fc.string({ maxLength: 50 }).filter((v) => !v.includes('\u0000')), { minLength: 1, maxLength: 20 }), (k, values) => {
        const { value, errors } = validateMetadataProperty({ key: k, values });
        expect(errors).toEqual([]);
        expect(value).toEqual({ key: k, values });
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it('answers any JSON with issues that point into it, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const { errors } = validateMetadataProperty(input);
        for (const issue of errors) {
          expect(typeof issue.message).toBe('string');
          expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
        }
      }),
      { seed: 8, numRuns: 500 },
    );
  });

  it.each([
    [{ key: 'a/b', values: ['x'] }, '/key'],
    [{ key: '', values: ['x'] }, '/key'],
    [{ key: 'k', values: [] }, '/values'],
    [{ key: 'k' }, '/values'],
    [{ key: 'k', values: [1] }, '/values/0'],
  ])('refuses %j at %s', (input, path) => {
    expect(validateMetadataProperty(input).errors.map((e) => e.path)).toContain(path);
  });
});
