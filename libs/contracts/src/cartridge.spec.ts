import { redact, REDACTED, restoreRedacted } from './secrets';
import { cartridgeSchema } from './cartridge.schema';
import { validateCartridge } from './cartridge';

const valid = () => ({
  type: 'php',
  provider: 'apache',
  category: 'framework',
  multiTenant: false,
  portMapping: [{ name: 'http', protocol: 'http', port: 8080, proxyPort: 8280 }],
  iaasProvider: [{ type: 'mock', imageId: 'img-1' }],
});

describe('validateCartridge', () => {
  it('accepts a valid definition with no warnings', () => {
    expect(validateCartridge(valid())).toEqual({ value: valid(), warnings: [], errors: [] });
  });

  it('coerces Stratos string numbers and booleans, with a warning at each pointer', () => {
    const result = validateCartridge({ ...valid(), multiTenant: 'false', portMapping: [{ protocol: 'http', port: '8080', proxyPort: '0' }] });
    expect(result.errors).toEqual([]);
    expect(result.value.multiTenant).toBe(false);
    expect(result.value.portMapping).toEqual([{ protocol: 'http', port: 8080, proxyPort: 0 }]);
    expect(result.warnings.map((w) => w.path)).toEqual(['/multiTenant', '/portMapping/0/port', '/portMapping/0/proxyPort']);
  });

  it('keeps unknown keys out of the record and says where they were', () => {
    const result = validateCartridge({ ...valid(), isRequired: true, iaasProvider: [{ type: 'mock', imageId: 'i', colour: 'red' }] });
    expect(result.errors).toEqual([]);
    expect(result.value).not.toHaveProperty('isRequired');
    expect(result.value.iaasProvider[0]).toEqual({ type: 'mock', imageId: 'i' });
    expect(result.warnings).toEqual([
      expect.objectContaining({ path: '/iaasProvider/0/colour', message: 'unknown key "colour" is ignored' }),
      expect.objectContaining({ path: '/isRequired', message: 'unknown key "isRequired" is ignored' }),
    ]);
  });

  it('turns warnings into errors in strict mode', () => {
    const result = validateCartridge({ ...valid(), multiTenant: 'true' }, { strict: true });
    expect(result.warnings).toEqual([]);
    expect(result.errors).toEqual([{ path: '/multiTenant', message: 'string "true" read as the boolean true (strict mode refuses it)' }]);
  });

  it.each(['type', 'provider', 'category', 'iaasProvider'])('names the missing required field %s', (field) => {
    const input: Record<string, unknown> = valid();
    delete input[field];
    expect(validateCartridge(input).errors).toEqual([{ path: `/${field}`, message: 'is required' }]);
  });

  it('lists the allowed values of a wrong enum', () => {
    const result = validateCartridge({ ...valid(), loadBalancingIPType: 'global', portMapping: [{ protocol: 'http', port: 80, kubernetesPortType: 'LoadBalancer' }] });
    expect(result.errors).toEqual([
      { path: '/loadBalancingIPType', message: 'must be one of "public", "private"', allowed: ['public', 'private'] },
      { path: '/portMapping/0/kubernetesPortType', message: 'must be one of "NodePort", "ClusterIP"', allowed: ['NodePort', 'ClusterIP'] },
    ]);
  });

  it('refuses a port of 70000, an empty iaasProvider and a bad type name', () => {
    const result = validateCartridge({ ...valid(), type: 'php 7', portMapping: [{ protocol: 'http', port: 70000 }], iaasProvider: [] });
    expect(result.errors).toEqual(
      expect.arrayContaining([
        { path: '/type', message: 'must match ^[a-zA-Z0-9-_]+$' },
        { path: '/portMapping/0/port', message: 'must be <= 65535' },
        { path: '/iaasProvider', message: 'must have at least 1 item' },
      ]),
    );
  });

  it.each([
    [[1, 2], 'array'],
    ['php', 'string'],
    [42, 'number'],
    [null, 'null'],
  ])('refuses a body that is not an object (%p)', (body, kind) => {
    expect(validateCartridge(body).errors).toEqual([{ path: '', message: `must be a JSON object, not ${kind}` }]);
  });

  it('does not coerce what is not a number', () => {
    expect(validateCartridge({ ...valid(), portMapping: [{ protocol: 'http', port: '80a' }] }).errors).toEqual([{ path: '/portMapping/0/port', message: 'must be an integer' }]);
  });

  it('drops the read-only status a GET returned, silently', () => {
    const result = validateCartridge({ ...valid(), status: { generation: 3 } });
    expect(result.value).not.toHaveProperty('status');
    expect(result.warnings).toEqual([]);
  });
});

describe('secrets', () => {
  const definition = {
    ...valid(),
    iaasProvider: [{ type: 'ec2', imageId: 'ami', identity: 'AKIA', credential: 's3cr3t', property: [{ name: 'keyPair', value: 'k' }] }],
    property: [
      { name: 'payload_parameter.MB_PASSWORD', value: 'mbpw' },
      { name: 'PORT', value: '80' },
    ],
  };

  it('redacts schema-marked secrets and password-like properties', () => {
    const shown = redact(cartridgeSchema, definition);
    expect(shown.iaasProvider[0]).toEqual({ type: 'ec2', imageId: 'ami', identity: REDACTED, credential: REDACTED, property: [{ name: 'keyPair', value: 'k' }] });
    expect(shown.property).toEqual([
      { name: 'payload_parameter.MB_PASSWORD', value: REDACTED },
      { name: 'PORT', value: '80' },
    ]);
    expect(JSON.stringify(shown)).not.toMatch(/s3cr3t|mbpw|AKIA/);
  });

  it('reads a redacted value sent back as "keep the stored one"', () => {
    const sent = redact(cartridgeSchema, definition);
    sent.iaasProvider[0].imageId = 'ami-2';
    const restored = restoreRedacted(sent, definition);
    expect(restored.iaasProvider[0].credential).toBe('s3cr3t');
    expect(restored.iaasProvider[0].imageId).toBe('ami-2');
    expect(restored.property![0].value).toBe('mbpw');
  });
});
