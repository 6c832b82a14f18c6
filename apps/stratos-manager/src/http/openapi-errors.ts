/**
 * Every operation of the OpenAPI document says how it fails: its `default` response is an
 * ErrorBody (one component, from the contracts' errorBodySchema), and an operation that needs a
 * token says so with a 401. The success shapes stay with each controller's own decorators.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { errorBodySchema } from '@stratos/contracts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const ERROR_REF = { $ref: '#/components/schemas/ErrorBody' };

export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ErrorBody: errorBodySchema as never };
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });
  for (const path of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = path[method];
      if (!operation) continue;
      operation.responses ??= {};
      operation.responses.default ??= error('an error: what went wrong, and where (JSON pointers into what was sent)');
      const secured = (operation.security ?? document.security ?? []).length > 0;
      if (secured) operation.responses['401'] ??= error('no token, or one that is unknown, expired or revoked');
    }
  }
  return document;
}
