// Data-parallel worker entry. As for the executor's pool (search/executor/worker-entry.mjs): a
// worker thread gets only tsx's require hook from the parent's `--import tsx`, so the thread
// registers tsx's ESM loader itself before importing TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
