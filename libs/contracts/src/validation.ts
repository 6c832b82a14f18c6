/**
 * Validation of user definitions against the contracts' JSON Schemas, in two passes:
 * 1. normalize: keep Stratos's leniency where users rely on it, but visibly. String-encoded
 *    numbers and booleans are coerced, unknown keys are dropped; each is a warning with the
 *    JSON Pointer of what the user sent.
 * 2. ajv checks the normalized value; each error names its pointer (and the allowed values).
 * With `strict`, every warning becomes an error.
 */
import Ajv, { type ErrorObject } from 'ajv';
import type { JsonSchema } from './json-schema';
import type { FieldIssue } from './errors';

export interface ValidationResult<T> {
  /** The normalized definition; only meaningful when `errors` is empty. */
  value: T;
  warnings: FieldIssue[];
  errors: FieldIssue[];
}

export interface ValidateOptions {
  strict?: boolean;
  /** Keys the server derives and a client may send back (a GET body, PUT as it is): dropped silently. */
  readOnlyKeys?: string[];
}

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
ajv.addKeyword({ keyword: 'renamed', schemaType: 'object' });
const compiled = new WeakMap<JsonSchema, ReturnType<typeof ajv.compile>>();

export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

interface Findings {
  warnings: FieldIssue[];
  errors: FieldIssue[];
  /** Pointers of new keys whose old name was sent: their "is required" would say it twice. */
  renamedTargets?: Set<string>;
}

function normalize(schema: JsonSchema, value: unknown, pointer: string, found: Findings): unknown {
  const warnings = found.warnings;
  switch (schema.type) {
    case 'object': {
      if (typeOf(value) !== 'object' || !schema.properties) return value;
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const childSchema = schema.properties[key];
        const childPointer = `${pointer}/${escapePointer(key)}`;
        if (!childSchema) {
          const renamedTo = schema.renamed?.[key];
          if (renamedTo) {
            found.errors.push({ path: childPointer, message: `"${key}" is a key of Stratos before 4.1; 4.1 reads "${renamedTo}"`, allowed: [renamedTo] });
            (found.renamedTargets ??= new Set()).add(`${pointer}/${escapePointer(renamedTo)}`);
            // Read what it holds as 4.1 would, to name the renamed keys inside it too.
            const inner: Findings = { warnings: [], errors: [] };
            if (schema.properties[renamedTo]) normalize(schema.properties[renamedTo], child, childPointer, inner);
            found.errors.push(...inner.errors);
            continue;
          }
          if (schema.additionalProperties === false) {
            warnings.push({ path: childPointer, message: `unknown key "${key}" is ignored`, allowed: Object.keys(schema.properties) });
            continue;
          }
          out[key] = child;
          continue;
        }
        out[key] = normalize(childSchema, child, childPointer, found);
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value) || !schema.items) return value;
      return value.map((item, index) => normalize(schema.items!, item, `${pointer}/${index}`, found));
    case 'integer':
    case 'number':
      if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
        const coerced = Number(value);
        if (schema.type === 'number' || Number.isInteger(coerced)) {
          warnings.push({ path: pointer, message: `string "${value}" read as the number ${coerced}` });
          return coerced;
        }
      }
      return value;
    case 'boolean':
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
        const coerced = value.trim().toLowerCase() === 'true';
        warnings.push({ path: pointer, message: `string "${value}" read as the boolean ${coerced}` });
        return coerced;
      }
      return value;
    default:
      return value;
  }
}

function toIssue(error: ErrorObject): FieldIssue {
  const at = error.instancePath || '';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${at}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'enum':
      return { path: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, allowed: params.allowedValues as unknown[] };
    case 'type':
      return { path: at, message: `must be ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)}` };
    case 'minItems':
      return { path: at, message: `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'pattern':
      return { path: at, message: `must match ${String(params.pattern)}` };
    case 'maximum':
      return { path: at, message: `must be <= ${String(params.limit)}` };
    case 'minimum':
      return { path: at, message: `must be >= ${String(params.limit)}` };
    case 'minLength':
      return { path: at, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters` };
    default:
      return { path: at, message: error.message ?? error.keyword };
  }
}

export function validateAgainst<T>(schema: JsonSchema, input: unknown, options: ValidateOptions = {}): ValidationResult<T> {
  if (typeOf(input) !== (schema.type ?? 'object')) {
    return { value: input as T, warnings: [], errors: [{ path: '', message: `must be a JSON ${schema.type ?? 'object'}, not ${typeOf(input)}` }] };
  }
  let source = input;
  if (options.readOnlyKeys?.length && typeOf(input) === 'object') {
    source = { ...(input as Record<string, unknown>) };
    for (const key of options.readOnlyKeys) delete (source as Record<string, unknown>)[key];
  }
  const found: Findings = { warnings: [], errors: [] };
  const value = normalize(schema, source, '', found) as T;
  const warnings = found.warnings;
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const schemaErrors = validate(value) ? [] : (validate.errors ?? []).map(toIssue);
  const errors = [...found.errors, ...schemaErrors.filter((e) => !(e.message === 'is required' && found.renamedTargets?.has(e.path)))];
  if (options.strict) {
    errors.unshift(...warnings.map((w) => ({ ...w, message: `${w.message} (strict mode refuses it)` })));
    return { value, warnings: [], errors };
  }
  return { value, warnings, errors };
}
