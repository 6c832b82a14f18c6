import fc from 'fast-check';
import { applyFileSettings, ConfigError, FILE_SETTINGS, type Env } from './config';

describe('applyFileSettings (NAME_FILE: a setting from a file, as Swarm and Kubernetes secrets mount them)', () => {
  const files = (contents: Record<string, string>) => (path: string) => {
    if (!(path in contents)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return contents[path];
  };

  it('property: each NAME_FILE becomes NAME with the file content (one trailing line break dropped), and NAME_FILE goes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILE_SETTINGS), fc.string({ minLength: 1 }).filter((s) => s.replace(/\r?\n$/, '').trim() !== ''), fc.boolean(), (name, value, newline) => {
        const env: Env = { [`${name}_FILE`]: '/run/secrets/x', OTHER: 'kept' };
        applyFileSettings(env, files({ '/run/secrets/x': newline ? `${value}\n` : value }));
        expect(env).toEqual({ [name]: newline ? value : value.replace(/\r?\n$/, ''), OTHER: 'kept' });
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('refuses, naming the variable: both forms, an empty NAME_FILE, a missing or empty file', () => {
    const attempt = (env: Env, contents: Record<string, string> = {}) => {
      try {
        applyFileSettings(env, files(contents));
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(attempt({ DATABASE_URL: 'postgres://a', DATABASE_URL_FILE: '/f' }, { '/f': 'postgres://b' })).toBe('DATABASE_URL_FILE: and DATABASE_URL are both set: give one');
    expect(attempt({ MQTT_URL_FILE: ' ' })).toBe('MQTT_URL_FILE: is empty: name the file that holds the value');
    expect(attempt({ STRATOS_SECRET_KEY_FILE: '/nowhere' })).toBe('STRATOS_SECRET_KEY_FILE: cannot read /nowhere: ENOENT');
    expect(attempt({ STRATOS_ADMIN_PASSWORD_FILE: '/f' }, { '/f': '\n' })).toBe('STRATOS_ADMIN_PASSWORD_FILE: /f is empty');
  });

  it('leaves other _FILE variables alone (not every one names a secret)', () => {
    const env: Env = { STRATOS_TLS_CERT: '/c.pem', SOMETHING_FILE: '/x' };
    applyFileSettings(env, files({}));
    expect(env).toEqual({ STRATOS_TLS_CERT: '/c.pem', SOMETHING_FILE: '/x' });
  });
});
