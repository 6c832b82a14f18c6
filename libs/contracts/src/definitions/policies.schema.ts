/** Stratos 4.1 policies and network partitions (org.apache.stratos.common.beans.policy.*, partition.*). */
import type { JsonSchema } from '../json-schema';
import { nameValueSchema } from '../schema-parts';

export const ID_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9-_.]*$';
const id: JsonSchema = { type: 'string', pattern: ID_PATTERN, minLength: 1, maxLength: 128 };
const nameValue = nameValueSchema;
const threshold: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['threshold'],
  properties: { threshold: { type: 'number', minimum: 0 } },
};

export const autoscalingPolicySchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'AutoscalingPolicy',
  description: 'When a cluster scales: thresholds of requests in flight, memory consumption (%) and load average (%).',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'loadThresholds'],
  properties: {
    id,
    description: { type: 'string' },
    isPublic: { type: 'boolean' },
    loadThresholds: {
      type: 'object',
      additionalProperties: false,
      properties: { requestsInFlight: threshold, memoryConsumption: threshold, loadAverage: threshold },
    },
  },
};

export const networkPartitionSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'NetworkPartition',
  description: 'A set of partitions (zones, hosts) of one IaaS provider that members can be placed in.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'provider', 'partitions'],
  properties: {
    id,
    provider: { type: 'string', minLength: 1, description: 'The IaaS provider type, as in a cartridge\'s iaasProvider[].type.' },
    partitions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id, description: { type: 'string' }, isPublic: { type: 'boolean' }, property: { type: 'array', items: nameValue } },
      },
    },
    properties: { type: 'array', items: nameValue },
  },
};

export const deploymentPolicySchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'DeploymentPolicy',
  description: 'Where a cluster\'s members go: network partitions, and in each, partitions with their maximum members.',
  type: 'object',
  additionalProperties: false,
  renamed: { networkPartition: 'networkPartitions' },
  required: ['id', 'networkPartitions'],
  properties: {
    id,
    networkPartitions: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'partitions'],
        properties: {
          id,
          partitionAlgo: { type: 'string', enum: ['round-robin', 'one-after-another'] },
          partitions: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              renamed: { max: 'partitionMax' },
              required: ['id'],
              properties: { id, partitionMax: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
    },
  },
};

export const applicationPolicySchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'ApplicationPolicy',
  description: 'Which network partitions an application deploys to, all at once or one after another.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'algorithm', 'networkPartitions'],
  properties: {
    id,
    algorithm: { type: 'string', enum: ['one-after-another', 'all-at-once'] },
    networkPartitions: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    /** Stratos carries networkPartitionGroups here as "a|b,c|d". */
    properties: { type: 'array', items: nameValue },
  },
};
