import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { memberLoad, memberResourceReader, parseCfsQuota, parseCpuMax, parseCpuStatUsage, parseMemoryLimit, parseProcStat, type ResourceReading } from './member-stats';

const reading = (overrides: Partial<ResourceReading>): ResourceReading => ({ at: 0, cpuMicros: 0, memoryBytes: 0, cpuLimitCores: null, memoryLimitBytes: null, ...overrides });

describe('member statistics: parsing', () => {
  it.each([
    ['max 100000', null],
    ['50000 100000', 0.5],
    ['200000 100000\n', 2],
    ['', null],
    ['junk', null],
  ])('cpu.max %j → %j cores', (text, cores) => expect(parseCpuMax(text)).toBe(cores));

  it('reads usage_usec from cpu.stat, and refuses one without it', () => {
    expect(parseCpuStatUsage('usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n')).toBe(1234567);
    expect(() => parseCpuStatUsage('user_usec 1\n')).toThrow(/usage_usec/);
  });

  it.each([
    ['max\n', null],
    ['536870912\n', 536870912],
    ['9223372036854771712\n', null], // v1's "no limit"
    ['0', null],
  ])('memory limit %j → %j', (text, bytes) => expect(parseMemoryLimit(text)).toBe(bytes));

  it('reads a v1 CFS quota (-1: none)', () => {
    expect(parseCfsQuota('-1\n', '100000\n')).toBeNull();
    expect(parseCfsQuota('150000\n', '100000\n')).toBe(1.5);
  });

  it('reads /proc/<pid>/stat whose name holds spaces and brackets', () => {
    const stat = '4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 70 30 0 0 20 0 1 0 5000 10000000 2500 18446744073709551615';
    expect(parseProcStat(stat)).toEqual({ ticks: 100, rssPages: 2500, parent: 1 });
    // Its reaped children's ticks (cutime, cstime) count too.
    expect(parseProcStat(stat.replace(' 70 30 0 0 ', ' 70 30 15 5 ')).ticks).toBe(120);
  });

  it('never throws on any text, and answers a number or null (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        for (const value of [parseCpuMax(a), parseMemoryLimit(a), parseCfsQuota(a, b)]) expect(value === null || (Number.isFinite(value) && value > 0)).toBe(true);
      }),
      { seed: 3, numRuns: 1000 },
    );
  });
});

describe('member statistics: percentages', () => {
  it.each([
    ['half a core with no limit', reading({ at: 0, cpuMicros: 0 }), reading({ at: 10_000, cpuMicros: 5_000_000, memoryBytes: 512 }), 1024, { loadPercent: 50, memoryPercent: 50 }],
    ['one core of a two-core limit', reading({ at: 0 }), reading({ at: 1000, cpuMicros: 1_000_000, cpuLimitCores: 2, memoryBytes: 100, memoryLimitBytes: 400 }), 1e9, { loadPercent: 50, memoryPercent: 25 }],
    ['over its quarter-core limit', reading({ at: 0 }), reading({ at: 1000, cpuMicros: 500_000, cpuLimitCores: 0.25 }), 1, { loadPercent: 200, memoryPercent: 0 }],
  ])('%s', (_what, previous, now, host, expected) => expect(memberLoad(previous, now, host)).toEqual(expected));

  it('knows no load without an earlier reading, nor from a counter that went back', () => {
    expect(memberLoad(null, reading({ at: 1000, cpuMicros: 9e9, memoryBytes: 10 }), 100)).toEqual({ loadPercent: 0, memoryPercent: 10 });
    expect(memberLoad(reading({ at: 0, cpuMicros: 5e6 }), reading({ at: 1000, cpuMicros: 1e6 }), 100).loadPercent).toBe(0);
  });

  it("counts a busy child of the process it reads from (this test's own tree)", async () => {
    const reader = memberResourceReader('process tree', process.pid);
    expect(reader.source).toBe('process tree');
    const before = reader.read();
    // The child says when it has spent 400 ms of CPU (however long a loaded machine takes to give it that), then idles until killed.
    const busy = spawn(process.execPath, ['-e', "const t = process.cpuUsage().user; while (process.cpuUsage().user - t < 400000); process.stdout.write('spent'); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => busy.stdout!.once('data', r));
    const during = reader.read();
    const exited = new Promise((r) => busy.on('exit', r));
    busy.kill();
    await exited;
    const after = reader.read();
    expect(during.cpuMicros - before.cpuMicros).toBeGreaterThan(300_000);
    // Ended and reaped, its CPU is still counted (in this process's children's time): the total never goes back.
    expect(after.cpuMicros).toBeGreaterThanOrEqual(during.cpuMicros);
    expect(during.memoryBytes).toBeGreaterThan(10_000_000); // this process and the child, resident
  });
});
