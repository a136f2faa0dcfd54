import { mount } from 'svelte';
import App from './App.svelte';
import { loadMetrics } from './lib/metrics.ts';
import './style.css';

// Axes, colours and table columns are built from the metric registry: load it before anything renders.
loadMetrics().then(
  () => mount(App, { target: document.getElementById('app')! }),
  (err: Error) => { document.getElementById('app')!.textContent = `Cannot load the metric registry: ${err.message}`; },
);
