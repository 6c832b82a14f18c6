import fc from 'fast-check';
import { ClusterStatus, type GroupInstanceRef } from '@stratos/contracts';
import { baseClusterId, groupInstanceClusterId, instanceRows, instancesOf, nextInstance, sees } from './group-instances';

const ref = (group: string, instance: number): GroupInstanceRef => ({ group, instance, minInstances: 1, maxInstances: 3 });

describe('group instances', () => {
  it('names instance n > 1 of a cluster <id>~g<n>, and reads its first instance back from any', () => {
    expect(groupInstanceClusterId('shop.web', 1)).toBe('shop.web');
    expect(groupInstanceClusterId('shop.web', 2)).toBe('shop.web~g2');
    expect(groupInstanceClusterId('shop.web~g2', 3)).toBe('shop.web~g3');
    expect(groupInstanceClusterId('shop~t4.web~g2', 1)).toBe('shop~t4.web'); // a tenant's deployment keeps its key
    expect(baseClusterId('shop.web~g12')).toBe('shop.web');
    expect(baseClusterId('shop.web')).toBe('shop.web');
  });

  it('round-trips every id and instance (property)', () => {
    const id = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9-_.]{0,20}\.[a-zA-Z0-9][a-zA-Z0-9-_]{0,10}$/);
    fc.assert(
      fc.property(id, fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (base, a, b) => {
        const inA = groupInstanceClusterId(base, a);
        expect(baseClusterId(inA)).toBe(base);
        expect(groupInstanceClusterId(inA, b)).toBe(groupInstanceClusterId(base, b));
        if (a !== b) expect(groupInstanceClusterId(base, a)).not.toBe(groupInstanceClusterId(base, b));
      }),
    );
  });

  it('lets a cluster see its own instance of its group and everything outside it, not another instance', () => {
    const outside = { groupInstance: null };
    expect(sees(outside, { groupInstance: ref('stack', 2) })).toBe(true); // a balancer in front of every instance
    expect(sees({ groupInstance: ref('stack', 2) }, outside)).toBe(true);
    expect(sees({ groupInstance: ref('stack', 2) }, { groupInstance: ref('stack', 2) })).toBe(true);
    expect(sees({ groupInstance: ref('stack', 2) }, { groupInstance: ref('stack', 1) })).toBe(false);
    expect(sees({ groupInstance: ref('stack', 2) }, { groupInstance: ref('other', 1) })).toBe(true);
  });

  it('counts the instances a group has, not one being removed, and gives a new one the lowest free number', () => {
    const clusters = [
      { groupInstance: ref('stack', 1), status: ClusterStatus.Active },
      { groupInstance: ref('stack', 3), status: ClusterStatus.Created },
      { groupInstance: ref('stack', 2), status: ClusterStatus.Terminating },
      { groupInstance: ref('other', 5), status: ClusterStatus.Active },
      { groupInstance: null, status: ClusterStatus.Active },
    ];
    expect(instancesOf('stack', clusters)).toEqual([1, 3]);
    expect(nextInstance(instancesOf('stack', clusters))).toBe(2);
    expect(nextInstance([1, 2, 3])).toBe(4);
  });

  it('copies an instance as its clusters run now, Created, with no autoscaler count', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    const template = [{ clusterId: 'shop.web', alias: 'web', groupInstance: ref('stack', 1), status: ClusterStatus.Active, desiredMembers: 3, revision: 2, minMembers: 1, createdAt: new Date(0) }];
    expect(instanceRows(template, 2, now)).toEqual([{ clusterId: 'shop.web~g2', alias: 'web', groupInstance: ref('stack', 2), status: ClusterStatus.Created, desiredMembers: null, revision: 2, minMembers: 1, createdAt: now }]);
    expect(template[0].clusterId).toBe('shop.web'); // the template is not changed
  });
});
