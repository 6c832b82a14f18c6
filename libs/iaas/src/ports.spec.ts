import { createServer } from 'node:net';
import { assignMemberPorts, loopbackBlockOf, nextLoopbackAddress } from './ports';

describe('nextLoopbackAddress', () => {
  it('takes the first address of the platform\'s block that no member holds', () => {
    expect(nextLoopbackAddress(new Set(), 7)).toBe('127.7.0.1');
    expect(nextLoopbackAddress(new Set(['127.7.0.1', '127.7.0.2']), 7)).toBe('127.7.0.3');
  });

  it('moves on without using network or broadcast-looking addresses', () => {
    const taken = new Set(Array.from({ length: 254 }, (_, i) => `127.7.0.${i + 1}`));
    expect(nextLoopbackAddress(taken, 7)).toBe('127.7.1.1');
  });

  it('gives platforms blocks of their own, never 0 (127.0.0.1 is the platform\'s) nor 255', () => {
    const blocks = ['/home/a/.stratos/members', '/tmp/stratos-home-x/members', '/srv/p/members'].map(loopbackBlockOf);
    for (const block of blocks) expect(block >= 1 && block <= 254).toBe(true);
    expect(new Set(blocks).size).toBe(3);
  });
});

describe('assignMemberPorts', () => {
  it('keeps a declared port on the member\'s own address, and maps one that is taken there', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.9', () => r()));
    const held = (holder.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.9', () => r()));
    const unused = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    try {
      const [free, taken] = await assignMemberPorts('127.0.0.9', [
        { name: 'a', protocol: 'tcp', port: unused },
        { name: 'b', protocol: 'tcp', port: held },
      ]);
      expect(free.hostPort).toBe(free.port);
      expect(taken.port).toBe(held);
      expect(taken.hostPort).not.toBe(held);
      expect(taken.hostPort).toBeGreaterThan(0);
    } finally {
      holder.close();
    }
  });
});
