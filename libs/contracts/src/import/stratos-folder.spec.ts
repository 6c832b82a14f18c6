import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bundleFolderOf, importRoot, planImport } from './stratos-folder';

const samples = [
  'applications/hello/application.json',
  'applications/hello/application-signup.json',
  'applications/hello/deployment-policy.json',
  'application-policies/single-machine.json',
  'autoscaling-policies/economy.json',
  'cartridges/common/hello-db/cartridge.json',
  'cartridges/common/hello-db/provision/10-init.sh',
  'cartridges/common/php.json',
  'cartridges/local/zk.json',
  'cartridges/docker/zk.json',
  'network-partitions/local/this-machine.json',
  'README.md',
];

describe('planImport', () => {
  it("orders a folder as Stratos's deploy.sh did, taking only the flavour's cartridges and partitions", () => {
    expect(planImport(samples, 'local').map((s) => `${s.kind.name}: ${s.file}`)).toEqual([
      'autoscaling policy: autoscaling-policies/economy.json',
      'network partition: network-partitions/local/this-machine.json',
      'deployment policy: applications/hello/deployment-policy.json',
      'cartridge: cartridges/common/hello-db/cartridge.json',
      'cartridge: cartridges/common/php.json',
      'cartridge: cartridges/local/zk.json',
      'application policy: application-policies/single-machine.json',
      'application: applications/hello/application.json',
      'application signup: applications/hello/application-signup.json',
    ]);
  });

  it('plans each JSON file at most once, and only JSON files, whatever the folder (property)', () => {
    const segment = fc.constantFrom('applications', 'cartridges', 'common', 'local', 'x', 'application.json', 'domain-mappings.json', 'a.json', 'b.txt');
    fc.assert(
      fc.property(fc.uniqueArray(fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'))), (paths) => {
        const files = planImport(paths, 'local').map((s) => s.file);
        expect(new Set(files).size).toBe(files.length);
        expect(files.every((f) => f.endsWith('.json') && paths.includes(f))).toBe(true);
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});

describe('importRoot', () => {
  it('steps into the one top folder a zip of samples/ has', () => {
    expect(importRoot(samples.map((p) => `samples/${p}`))).toBe('samples/');
    expect(importRoot(samples.map((p) => `a/b/${p}`))).toBe('a/b/');
    expect(importRoot(samples)).toBe('');
    expect(importRoot(['x/one.json', 'y/two.json'])).toBe('');
  });
});

describe('bundleFolderOf', () => {
  it("is the cartridge's folder when confd/, provision/ or extensions/ is beside it", () => {
    expect(bundleFolderOf('cartridges/common/hello-db/cartridge.json', samples)).toBe('cartridges/common/hello-db/');
    expect(bundleFolderOf('cartridges/common/php.json', samples)).toBeNull();
    expect(bundleFolderOf('c/x/cartridge.json', [], ['c/x/extensions'])).toBe('c/x/');
  });
});
