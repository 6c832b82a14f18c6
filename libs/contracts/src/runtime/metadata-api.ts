/**
 * Stratos's metadata REST API (its paths, under /api/metadata): multi-valued properties of an
 * application or of one of its clusters. Members write and read them with the application's
 * token (TOKEN in their launch payload); the values reach the members' metadata trees.
 */
import type { JsonSchema } from '../json-schema';
import type { RequestActor } from '../rpc';
import { validateAgainst, type ValidationResult } from '../validation';
import type { MetadataTree } from './member-metadata';

/** Stratos's Property bean. */
export interface MetadataPropertyView {
  key: string;
  values: string[];
}

/** No `/` (a key is one segment of the tree), no NUL, printable. */
const KEY = '^[^/\\u0000-\\u001f]+$';

export const metadataPropertySchema: JsonSchema = {
  type: 'object',
  title: 'a metadata property',
  required: ['key', 'values'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 255, pattern: KEY, description: 'the property name (one segment: no "/")' },
    values: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', maxLength: 65_536, pattern: '^[^\\u0000]*$' }, description: 'values to add; a value already there is not added twice' },
  },
};

export function validateMetadataProperty(input: unknown): ValidationResult<MetadataPropertyView> {
  return validateAgainst<MetadataPropertyView>(metadataPropertySchema, input, { strict: true });
}

export interface MetadataScopeRequest {
  actor: RequestActor;
  applicationId: string;
  /** Absent: the application's own properties. */
  clusterId?: string;
  /** A tenant's own properties on a shared application it signed up to (never with clusterId). */
  tenantId?: number;
}
export interface MetadataAddRequest extends MetadataScopeRequest {
  property: MetadataPropertyView;
}
export interface MetadataRemoveRequest extends MetadataScopeRequest {
  /** Absent: every property of the application (and its clusters). */
  key?: string;
  /** Absent: the whole key. */
  value?: string;
}
export interface MemberTreeRequest {
  memberId: string;
}
/** A member's tree as the API shows it: secret-named keys redacted. */
export interface MemberTreeView {
  memberId: string;
  applicationId: string;
  clusterId: string;
  tree: MetadataTree;
}

/** What a metadata removal answers: how many properties (or values) went. */
export interface MetadataRemoved {
  removed: number;
}
