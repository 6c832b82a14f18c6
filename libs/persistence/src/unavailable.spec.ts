import fc from 'fast-check';
import { databaseUnavailableReason } from './unavailable';

describe('databaseUnavailableReason', () => {
  it('recognises a refused, dropped, restarting or full server, also wrapped by TypeORM', () => {
    expect(databaseUnavailableReason(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toMatch(/ECONNREFUSED/);
    expect(databaseUnavailableReason(new Error('Connection terminated unexpectedly'))).toBe('Connection terminated unexpectedly');
    expect(databaseUnavailableReason(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toMatch(/starting up \(57P03\)/);
    expect(databaseUnavailableReason(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBeTruthy();
    expect(databaseUnavailableReason(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }))).toBeTruthy();
    const wrapped = Object.assign(new Error('Query failed'), { driverError: Object.assign(new Error('connection failure'), { code: '08006' }) });
    expect(databaseUnavailableReason(wrapped)).toMatch(/08006/);
  });

  it('leaves bugs and bad queries alone', () => {
    expect(databaseUnavailableReason(new TypeError('x is undefined'))).toBeNull();
    expect(databaseUnavailableReason(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBeNull();
    expect(databaseUnavailableReason(Object.assign(new Error('syntax error'), { code: '42601' }))).toBeNull();
    expect(databaseUnavailableReason(undefined)).toBeNull();
    expect(databaseUnavailableReason('a string')).toBeNull();
  });

  it('never throws, whatever it is given', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      const reason = databaseUnavailableReason(value);
      expect(reason === null || typeof reason === 'string').toBe(true);
    }), { seed: 42, numRuns: 500 });
  });
});
