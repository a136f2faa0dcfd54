/**
 * View state lives in the URL hash (`#/run/3?x=latency&y=accuracy&sel=4,9`), so a view can be
 * bookmarked, shared and reloaded. Changing a parameter replaces the history entry; moving to
 * another view pushes one.
 */
export type View = 'runs' | 'run' | 'candidate' | 'compare' | 'fidelity';

interface Route { view: View; id: number | null; params: Record<string, string> }

function parse(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const params = Object.fromEntries(new URLSearchParams(query));
  const id = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  if (parts[0] === 'run' && id !== null) return { view: 'run', id, params };
  if (parts[0] === 'candidate' && id !== null) return { view: 'candidate', id, params };
  if (parts[0] === 'compare') return { view: 'compare', id: null, params };
  if (parts[0] === 'fidelity') return { view: 'fidelity', id: null, params };
  return { view: 'runs', id: null, params };
}

function serialize(r: Route): string {
  const path = r.view === 'runs' ? '/' : r.id !== null ? `/${r.view}/${r.id}` : `/${r.view}`;
  const q = new URLSearchParams(Object.entries(r.params).filter(([, v]) => v !== '')).toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

export const route: Route = $state(parse(location.hash));

window.addEventListener('hashchange', () => {
  const next = parse(location.hash);
  route.view = next.view;
  route.id = next.id;
  route.params = next.params;
});

export function href(view: View, id: number | null = null, params: Record<string, string> = {}): string {
  return serialize({ view, id, params });
}

export function navigate(view: View, id: number | null = null, params: Record<string, string> = {}): void {
  location.hash = serialize({ view, id, params });
}

/** Updates some parameters of the current view ('' removes one) without a new history entry. */
export function setParams(patch: Record<string, string>): void {
  const params = { ...route.params, ...patch };
  for (const [k, v] of Object.entries(params)) if (v === '') delete params[k];
  route.params = params;
  history.replaceState(null, '', serialize(route));
}
