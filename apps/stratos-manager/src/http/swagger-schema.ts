import type { ApiBody } from '@nestjs/swagger';

/** The schema type Swagger's decorators take (its OpenAPI 3.0 schema object; the package does not export it by name). */
type SchemaObject = NonNullable<Extract<Parameters<typeof ApiBody>[0], { schema?: unknown }>['schema']>;

/**
 * One of the platform's JSON Schemas (libs/contracts, the same documents that validate the
 * bodies) as Swagger's decorators take it: their type is OpenAPI 3.0's schema object, ours are
 * plain JSON Schema documents, which the UI renders as they are.
 */
export function swaggerSchema(schema: object): SchemaObject {
  return schema as SchemaObject;
}
