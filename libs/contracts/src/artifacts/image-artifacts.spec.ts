import fc from 'fast-check';
import { validateArtifactInput } from './image-artifacts';

describe('validateArtifactInput', () => {
  it('takes a version with its image, naming :latest where no tag is given', () => {
    expect(validateArtifactInput({ name: 'web', version: '1.0.0', image: 'registry.lan/web' })).toEqual({ value: { name: 'web', version: '1.0.0', image: 'registry.lan/web:latest' }, errors: [] });
    expect(validateArtifactInput({ name: 'web', version: '2', image: 'web:2.0', region: 'eu' }).value).toEqual({ name: 'web', version: '2', image: 'web:2.0', region: 'eu' });
    expect(validateArtifactInput({ name: 'web', version: '2', image: 'localhost:5000/web' }).value?.image).toBe('localhost:5000/web:latest');
  });

  it('takes a local version from an absolute folder or an image of the region, and nothing else', () => {
    expect(validateArtifactInput({ name: 'tree', version: '1+b', provider: 'local', image: '/srv/roots/busybox' }).value).toEqual({ name: 'tree', version: '1+b', provider: 'local', image: '/srv/roots/busybox' });
    expect(validateArtifactInput({ name: 'tree', version: '2', provider: 'local', image: 'tree:1', region: 'west' }).value).toEqual({ name: 'tree', version: '2', provider: 'local', image: 'tree:1', region: 'west' });
    for (const image of ['srv/roots', '/srv/../etc', '/a\u0000b', 'Tree:1', '']) expect(validateArtifactInput({ name: 'tree', version: '1', provider: 'local', image }).errors.map((e) => e.path)).toEqual(['/image']);
    expect(validateArtifactInput({ name: 'tree', version: '1', provider: 'ec2', image: 'x:1' }).errors).toEqual([{ path: '/provider', message: 'must be a provider whose images can be artifacts', allowed: ['docker', 'local'] }]);
    // A folder is no docker image.
    expect(validateArtifactInput({ name: 'tree', version: '1', image: '/srv/roots/busybox' }).errors.map((e) => e.path)).toEqual(['/image']);
  });

  it('names every mistake at its pointer', () => {
    expect(validateArtifactInput({ name: 'Web', version: '-1', image: 'UPPER', region: 'Mars', extra: true }).errors.map((e) => e.path).sort()).toEqual(['/extra', '/image', '/name', '/region', '/version']);
    expect(validateArtifactInput({}).errors.map((e) => `${e.path} ${e.message}`)).toEqual(['/name is required', '/version is required', '/image is required']);
    expect(validateArtifactInput([]).errors).toEqual([{ path: '', message: 'must be an object: {name, version, provider?, region?, image}' }]);
  });

  it('answers any JSON with a value or errors, never both, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ name: fc.string(), version: fc.string(), image: fc.oneof(fc.string(), fc.string().map((p) => `/${p}`)), provider: fc.option(fc.constantFrom('docker', 'local', 'ec2', ''), { nil: undefined }), region: fc.option(fc.string(), { nil: undefined }) })), (body) => {
        const { value, errors } = validateArtifactInput(body);
        expect(value === undefined).toBe(errors.length > 0);
        for (const e of errors) expect(e.path === '' || e.path.startsWith('/')).toBe(true);
      }),
      { seed: 31, numRuns: 1000 },
    );
  });
});
