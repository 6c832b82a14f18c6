/**
 * Every operation of the OpenAPI document says what it answers: its success body's schema (from
 * the contracts' ApiResponses, generated into apiResponseSchemas; a body that is not JSON, its
 * media type), its `default` response an ErrorBody (one component, from the contracts'
 * errorBodySchema), and a 401 where it needs a token. An operation the contracts do not name is
 * an error at start: the document never silently lacks one.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { apiResponseSchemas, definitionKinds, errorBodySchema, NON_JSON_RESPONSES } from '@stratos/contracts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };
const DEFINITION_BASES = Object.values(definitionKinds).map((kind) => `/api/${kind.restPath}`);

/** The success body's schema of `METHOD path` (as the document names it), or null where it has none in the contracts. */
export function successSchemaOf(method: string, path: string): Record<string, unknown> | null {
  const key = `${method.toUpperCase()} ${path}`;
  const own = apiResponseSchemas.operations[key];
  if (own) return own;
  const base = DEFINITION_BASES.find((b) => path === b || path === `${b}/{id}`);
  return base ? (apiResponseSchemas.definitionKind[`${method.toUpperCase()} ${path.slice(base.length)}`] ?? null) : null;
}

export function withResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ...(apiResponseSchemas.components as Record<string, never>), ErrorBody: errorBodySchema as never };
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });
  const unnamed: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses ??= {};
      const key = `${method.toUpperCase()} ${path}`;
      const status = Object.keys(operation.responses).find((code) => code.startsWith('2')) ?? '200';
      const success = operation.responses[status] ?? { description: 'done' };
      const schema = successSchemaOf(method, path);
      const other = NON_JSON_RESPONSES[key];
      if (schema) operation.responses[status] = { ...success, content: { 'application/json': { schema } } };
      else if (other) operation.responses[String(other.status)] = { description: other.description, ...(other.contentType ? { content: { [other.contentType]: { schema: { type: 'string' } } } } : {}) };
      else unnamed.push(key);
      operation.responses.default ??= error('an error: what went wrong, and where (JSON pointers into what was sent)');
      const secured = (operation.security ?? document.security ?? []).length > 0;
      if (secured) operation.responses['401'] ??= error('no token, or one that is unknown, expired or revoked');
    }
  }
  if (unnamed.length) throw new Error(`the contracts' ApiResponses names no success body for: ${unnamed.join(', ')}`);
  return document;
}
