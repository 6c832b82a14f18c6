import fc from 'fast-check';
import { validateArtifactInput } from './image-artifacts';

describe('validateArtifactInput', () => {
  it('takes a version with its image, naming :latest where no tag is given', () => {
    expect(validateArtifactInput({ name: 'web', version: '1.0.0', image: 'registry.lan/web' })).toEqual({ value: { name: 'web', version: '1.0.0', image: 'registry.lan/web:latest' }, errors: [] });
    expect(validateArtifactInput({ name: 'web', version: '2', image: 'web:2.0', region: 'eu' }).value).toEqual({ name: 'web', version: '2', image: 'web:2.0', region: 'eu' });
    expect(validateArtifactInput({ name: 'web', version: '2', image: 'localhost:5000/web' }).value?.image).toBe('localhost:5000/web:latest');
  });

  it('names every mistake at its pointer', () => {
    expect(validateArtifactInput({ name: 'Web', version: '-1', image: 'UPPER', region: 'Mars', extra: true }).errors.map((e) => e.path).sort()).toEqual(['/extra', '/image', '/name', '/region', '/version']);
    expect(validateArtifactInput({}).errors.map((e) => `${e.path} ${e.message}`)).toEqual(['/name is required', '/version is required', '/image is required']);
    expect(validateArtifactInput([]).errors).toEqual([{ path: '', message: 'must be an object: {name, version, region?, image}' }]);
  });

  it('answers any JSON with a value or errors, never both, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ name: fc.string(), version: fc.string(), image: fc.string(), region: fc.option(fc.string(), { nil: undefined }) })), (body) => {
        const { value, errors } = validateArtifactInput(body);
        expect(value === undefined).toBe(errors.length > 0);
        for (const e of errors) expect(e.path === '' || e.path.startsWith('/')).toBe(true);
      }),
      { seed: 31, numRuns: 1000 },
    );
  });
});
