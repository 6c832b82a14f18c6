/** Pieces of the Stratos 4.1 schemas that several definitions share, defined once. */
import type { JsonSchema } from './json-schema';

/** Stratos's PropertyBean: {name, value}. */
export const nameValueSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' } },
};

/** VolumeBean: persistent data that outlives members. */
export const volumeSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1 },
    size: { type: 'integer', minimum: 1, description: 'GB' },
    device: { type: 'string' },
    mappingPath: { type: 'string' },
    removeOnTermination: { type: 'boolean' },
    snapshotId: { type: 'string' },
    volumeId: { type: 'string' },
  },
};

/** PersistenceBean. */
export const persistenceSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { required: { type: 'boolean' }, volume: { type: 'array', items: volumeSchema } },
};
