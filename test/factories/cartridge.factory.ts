/** A valid cartridge.json written by this project; override what a test is about. */
export function aCartridge(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    type: 'php',
    provider: 'apache',
    category: 'framework',
    host: 'php.example.org',
    displayName: 'PHP',
    description: 'PHP on Apache',
    version: '8.3',
    multiTenant: false,
    loadBalancingIPType: 'public',
    portMapping: [{ name: 'http', protocol: 'http', port: 8080, proxyPort: 8280 }],
    iaasProvider: [
      {
        type: 'docker',
        imageId: 'stratos/php:8.3',
        credential: 'registry-secret-value',
        property: [{ name: 'payload_parameter.MB_PASSWORD', value: 'mb-secret-value' }],
      },
    ],
    deployment: { baseDir: '/var/www' },
    property: [{ name: 'PHP_MEMORY_LIMIT', value: '256M' }],
    ...overrides,
  };
}
