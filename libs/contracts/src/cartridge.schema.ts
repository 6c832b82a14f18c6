/**
 * cartridge.json: the Stratos 4.1 cartridge model (CartridgeBean and its children in
 * org.apache.stratos.common.beans.cartridge), as a JSON Schema. The REST body, the
 * CLI's offline `validate` and the controller's MQTT request are all checked against it.
 */
import type { JsonSchema } from './json-schema';
import { nameValueSchema, persistenceSchema } from './schema-parts';

const nameValue = nameValueSchema;

const port: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535 };

export const cartridgeSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://stratos.apache.org/schemas/cartridge.json',
  title: 'Cartridge',
  description: 'A kind of service instance: its image per IaaS provider, its ports, its tenancy and its persistent data.',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'category', 'provider', 'iaasProvider'],
  properties: {
    type: { type: 'string', pattern: '^[a-zA-Z0-9-_]+$', minLength: 1, maxLength: 100, description: 'Unique name of the cartridge.' },
    provider: { type: 'string', minLength: 1 },
    category: { type: 'string', minLength: 1, description: 'For example framework, data, load-balancer.' },
    host: { type: 'string' },
    displayName: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'string' },
    multiTenant: { type: 'boolean', default: false },
    isPublic: { type: 'boolean' },
    loadBalancingIPType: { type: 'string', enum: ['public', 'private'] },
    tenantPartitions: { type: 'string' },
    portMapping: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['protocol', 'port'],
        properties: {
          name: { type: 'string' },
          protocol: { type: 'string', minLength: 1 },
          port,
          proxyPort: { type: 'integer', minimum: 0, maximum: 65535 },
          kubernetesPortType: { type: 'string', enum: ['NodePort', 'ClusterIP'] },
        },
      },
    },
    iaasProvider: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'imageId'],
        properties: {
          type: { type: 'string', minLength: 1 },
          imageId: { type: 'string', minLength: 1 },
          name: { type: 'string' },
          className: { type: 'string' },
          provider: { type: 'string' },
          identity: { type: 'string', secret: true },
          credential: { type: 'string', secret: true },
          property: { type: 'array', items: nameValue },
          networkInterfaces: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                networkUuid: { type: 'string' },
                fixedIp: { type: 'string' },
                portUuid: { type: 'string' },
                floatingNetworks: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    properties: {
                      name: { type: 'string' },
                      networkUuid: { type: 'string' },
                      floatingIP: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    persistence: persistenceSchema,
    deployment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        baseDir: { type: 'string' },
        dir: { type: 'array', items: { type: 'string' } },
      },
    },
    property: { type: 'array', items: nameValue },
    metadataKeys: { type: 'array', items: { type: 'string' } },
  },
};
