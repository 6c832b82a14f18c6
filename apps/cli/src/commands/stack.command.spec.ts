import fc from 'fast-check';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { isHostName, makeStackSecrets, STACK_SECRETS } from './stack.command';

describe('stratos stack secrets', () => {
  it('makes exactly the secrets deploy/swarm/stack.yml names', () => {
    const stack = parse(readFileSync(join(process.cwd(), 'deploy', 'swarm', 'stack.yml'), 'utf8')) as { secrets: Record<string, { external?: boolean }>; services: Record<string, { secrets?: string[] }> };
    expect(Object.keys(stack.secrets).sort()).toEqual(Object.keys(STACK_SECRETS).sort());
    for (const secret of Object.values(stack.secrets)) expect(secret.external).toBe(true);
    const used = new Set(Object.values(stack.services).flatMap((s) => s.secrets ?? []));
    expect([...used].sort()).toEqual(Object.keys(STACK_SECRETS).sort());
  });

  it('makes values that fit together: the URLs carry the passwords, a 32-byte key, a certificate for the public address and the services', async () => {
    const values = await makeStackSecrets('10.1.0.2');
    expect(values.stratos_database_url).toBe(`postgres://stratos:${values.stratos_db_password}@postgres:5432/stratos?sslmode=verify-full&sslrootcert=/run/secrets/stratos_tls_cert`);
    expect(values.stratos_mqtt_url).toBe(`mqtts://stratos:${values.stratos_mqtt_password}@mosquitto:8883`);
    expect(Buffer.from(values.stratos_secret_key, 'base64')).toHaveLength(32);
    expect(values.stratos_admin_password.length).toBeGreaterThanOrEqual(12);
    const cert = new X509Certificate(values.stratos_tls_cert);
    expect(cert.checkIP('10.1.0.2')).toBe('10.1.0.2');
    for (const name of ['manager', 'mosquitto', 'postgres']) expect(cert.checkHost(name)).toBe(name);
    expect(cert.checkPrivateKey(createPrivateKey(values.stratos_tls_key))).toBe(true);
    const other = await makeStackSecrets('10.1.0.2');
    expect(other.stratos_db_password).not.toBe(values.stratos_db_password);
  });

  it('property: --public-host takes IP addresses and DNS names, nothing else', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()), (host) => expect(isHostName(host)).toBe(true)), { seed: 9, numRuns: 300 });
    fc.assert(
      fc.property(fc.string(), (value) => {
        if (value === '' || /[\s/@?#]/.test(value)) expect(isHostName(value)).toBe(false);
      }),
      { seed: 9, numRuns: 500 },
    );
  });
});
