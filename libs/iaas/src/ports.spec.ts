import { createServer } from 'node:net';
import { assignMemberPorts, nextLoopbackAddress } from './ports';

describe('nextLoopbackAddress', () => {
  it('starts after the platform\'s own 127.0.0.1 and skips what members hold', () => {
    expect(nextLoopbackAddress(new Set())).toBe('127.0.0.2');
    expect(nextLoopbackAddress(new Set(['127.0.0.2', '127.0.0.3']))).toBe('127.0.0.4');
  });

  it('moves to the next block without using network or broadcast-looking addresses', () => {
    const taken = new Set(Array.from({ length: 253 }, (_, i) => `127.0.0.${i + 2}`));
    expect(nextLoopbackAddress(taken)).toBe('127.0.1.1');
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
