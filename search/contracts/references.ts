/**
 * Named reference architectures as runs store them: `cellscape references` trains each named
 * hand-designed architecture (search/space/references.ts) in a list run and adds a 'references'
 * event that names its candidates by architecture key, so readers (the explorer's plots) can label
 * them without knowing any space.
 */
import { z } from 'zod';

export const REFERENCES_EVENT = 'references';

export const referencesDataSchema = z.strictObject({
  /** The shipped space the architectures belong to. */
  space: z.string(),
  /** Architecture key -> reference name (pspnet-like, ...). */
  names: z.record(z.string(), z.string()),
});
export type ReferencesData = z.infer<typeof referencesDataSchema>;
