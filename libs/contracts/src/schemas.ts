import { cartridgeSchema } from './cartridge.schema';
import { definitionKinds } from './definitions/definition-kinds';
import type { JsonSchema } from './json-schema';

/** Every JSON Schema the API validates with, by name: served at GET /api/schemas/{name}. */
export const schemas: Record<string, JsonSchema> = {
  cartridge: cartridgeSchema,
  ...Object.fromEntries(Object.values(definitionKinds).map((kind) => [kind.name, kind.schema])),
};
