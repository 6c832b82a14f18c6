/** The subset of JSON Schema (draft-07) the platform's contracts are written in. */
export interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  /** OpenAPI's (and Ajv's): null is allowed besides the type. */
  nullable?: boolean;
  /** Not JSON Schema: marks a value that must never leave the platform (responses, events, logs). */
  secret?: boolean;
  /** Not JSON Schema: keys of an older Stratos that 4.1 renamed (old → new). Refused, naming the new key. */
  renamed?: Record<string, string>;
}
