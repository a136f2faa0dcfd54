/**
 * Regenerates space-defs/schema.json from the zod schema:
 * `node --import tsx search/space/write-schema.ts` (test/space-defs.test.ts fails while it is stale).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SPACE_DEFS_DIR } from './load.ts';
import { spaceJsonSchema } from './schema.ts';

export const SCHEMA_PATH = `${SPACE_DEFS_DIR}schema.json`;

export function schemaFileText(): string {
  return JSON.stringify(spaceJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(SCHEMA_PATH, schemaFileText());
  console.log(`wrote ${SCHEMA_PATH}`);
}
