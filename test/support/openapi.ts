/** The served OpenAPI document, read as tests read it: which operations there are, and what their answers must look like. */
import Ajv, { type ValidateFunction } from 'ajv';

export type OpenApiOperation = { security?: unknown[]; parameters?: { name: string; in: string }[]; responses?: Record<string, { content?: Record<string, { schema?: object }> }> };
export type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>>; components?: { schemas?: Record<string, object> } };

/**
 * What checks a success body against the schema the served document declares for it (its 2xx
 * JSON response; the document's components resolve its references): the list of what is wrong,
 * empty when it conforms.
 */
export function successBodyValidator(document: OpenApiDocument): (method: string, template: string, status: number, text: string) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validators = new Map<string, ValidateFunction | null>();
  return (method, template, status, text) => {
    const key = `${method} ${template} ${status}`;
    if (!validators.has(key)) {
      const schema = document.paths[template]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      validators.set(key, schema ? ajv.compile({ ...schema, components: document.components }) : null);
    }
    const validate = validators.get(key);
    if (validate === null) return [`no JSON schema declared for ${status}`];
    if (validate!(JSON.parse(text))) return [];
    return (validate!.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message} (${e.schemaPath})`);
  };
}
