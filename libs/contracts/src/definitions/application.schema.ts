/** Stratos 4.1 cartridge groups and applications (org.apache.stratos.common.beans.application.*). */
import type { JsonSchema } from '../json-schema';
import { nameValueSchema, persistenceSchema } from '../schema-parts';
import { ID_PATTERN } from './policies.schema';

export const ALIAS_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9-_]*$';
const nameValue = nameValueSchema;
const aliasList: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['aliases'],
  properties: { aliases: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
};
export const dependenciesSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    startupOrders: { type: 'array', items: aliasList },
    scalingDependents: { type: 'array', items: aliasList },
    terminationBehaviour: { type: 'string', enum: ['terminate-none', 'terminate-dependents', 'terminate-all'] },
  },
};

/** A group inside a group definition: the same shape, nested. */
function groupDefinition(depth: number): JsonSchema {
  const schema: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: { type: 'string', pattern: ID_PATTERN },
      cartridges: { type: 'array', items: { type: 'string', minLength: 1 } },
      dependencies: dependenciesSchema,
      groupScalingEnabled: { type: 'boolean' },
    },
  };
  if (depth > 0) schema.properties!.groups = { type: 'array', items: groupDefinition(depth - 1) };
  return schema;
}
/** JSON Schema has no recursion in this subset: ten levels is twice Stratos's deepest sample. */
const MAX_NESTING = 10;

export const cartridgeGroupSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'CartridgeGroup',
  description: 'Cartridges (and nested groups) that are deployed, ordered and scaled together.',
  ...groupDefinition(MAX_NESTING),
};

const artifactRepository: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    privateRepo: { type: 'boolean' },
    repoUrl: { type: 'string' },
    repoUsername: { type: 'string' },
    repoPassword: { type: 'string', secret: true },
    /** This project's: what a git hook for this repository proves itself with (POST /api/repo/notify). */
    hookSecret: { type: 'string', secret: true, minLength: 16 },
  },
};
const cartridgeSubscription: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'cartridgeMin', 'cartridgeMax', 'subscribableInfo'],
  properties: {
    type: { type: 'string', minLength: 1 },
    cartridgeMin: { type: 'integer', minimum: 0 },
    cartridgeMax: { type: 'integer', minimum: 1 },
    subscribableInfo: {
      type: 'object',
      additionalProperties: false,
      required: ['alias'],
      properties: {
        alias: { type: 'string', pattern: ALIAS_PATTERN, maxLength: 64 },
        autoscalingPolicy: { type: 'string', minLength: 1 },
        deploymentPolicy: { type: 'string', minLength: 1 },
        artifactRepository,
        dependencyAliases: { type: 'array', items: { type: 'string' } },
        persistence: persistenceSchema,
        property: { type: 'array', items: nameValue },
        lvsVirtualIP: { type: 'string' },
      },
    },
  },
};
function groupSubscription(depth: number): JsonSchema {
  const schema: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'alias'],
    properties: {
      name: { type: 'string', minLength: 1 },
      alias: { type: 'string', pattern: ALIAS_PATTERN, maxLength: 64 },
      groupMinInstances: { type: 'integer', minimum: 0 },
      groupMaxInstances: { type: 'integer', minimum: 1 },
      groupScalingEnabled: { type: 'boolean' },
      deploymentPolicy: { type: 'string', minLength: 1 },
      cartridges: { type: 'array', items: cartridgeSubscription },
    },
  };
  if (depth > 0) schema.properties!.groups = { type: 'array', items: groupSubscription(depth - 1) };
  return schema;
}

export const applicationSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Application',
  description: 'Cartridges and groups with their member counts, policies and dependencies, deployed as one.',
  type: 'object',
  additionalProperties: false,
  required: ['applicationId', 'components'],
  properties: {
    applicationId: { type: 'string', pattern: ID_PATTERN, maxLength: 128 },
    alias: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    multiTenant: { type: 'boolean' },
    components: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cartridges: { type: 'array', items: cartridgeSubscription },
        groups: { type: 'array', items: groupSubscription(MAX_NESTING) },
        dependencies: dependenciesSchema,
      },
    },
    property: { type: 'array', items: nameValue },
  },
};
