import fc from 'fast-check';
import { MIN_PASSWORD_LENGTH } from '@stratos/contracts';
import { managerConfigFrom } from './config';

describe('managerConfigFrom: STRATOS_ADMIN_PASSWORD', () => {
  const base = { DATABASE_URL: 'postgres://u:p@db/stratos', MQTT_URL: 'mqtt://broker:1883' };

  it(`property: a password of ${MIN_PASSWORD_LENGTH} characters or more is the first start's; a shorter one is refused, naming the variable; none means a random one`, () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (password) => {
        if (password.length >= MIN_PASSWORD_LENGTH) expect(managerConfigFrom({ ...base, STRATOS_ADMIN_PASSWORD: password }).adminPassword).toBe(password);
        else expect(() => managerConfigFrom({ ...base, STRATOS_ADMIN_PASSWORD: password })).toThrow(`STRATOS_ADMIN_PASSWORD: must be at least ${MIN_PASSWORD_LENGTH} characters (it has ${password.length})`);
      }),
      { seed: 3, numRuns: 300 },
    );
    expect(managerConfigFrom(base).adminPassword).toBeUndefined();
  });
});
