// Pool worker entry. On Node 20 a worker thread gets only tsx's require hook from the parent's
// `--import tsx`, so dynamic import() of a .ts file fails there ("Unknown file extension");
// registering tsx's ESM loader in the thread itself makes every import work.
import { register } from 'tsx/esm/api';

register();
const { default: handler } = await import('./worker.ts');
export default handler;
