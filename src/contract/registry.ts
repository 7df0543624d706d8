// The named schemas of the contract: each becomes one entry of the OpenAPI document's
// components.schemas, and every use of it elsewhere a $ref to that entry.
import * as z from 'zod';

export type SchemaMeta = { id: string; description?: string };

/** Every named schema of the API, by id. */
export const contractSchemas = z.registry<SchemaMeta>();

/** What each named schema is, by id (the OpenAPI component's description). */
export const contractDescriptions = new Map<string, string>();

/** Names `schema` in the contract (its id in the OpenAPI document) and returns it. */
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  contractSchemas.add(schema, description === undefined ? { id } : { id, description });
  if (description !== undefined) contractDescriptions.set(id, description);
  return schema;
}
