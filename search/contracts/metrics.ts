/**
 * The metric registry: every quantity a search can measure, with how to show it and which way
 * is better. The store keeps a candidate's values under these names, objectives and constraints
 * are named by them (`--objectives`, `--max-<name>`), table columns map onto them
 * (`--col <name>=COLUMN`), and the explorer builds its axes, colours and table columns from this
 * list (served at /api/metrics). A new metric is one entry here plus the evaluator that measures it.
 */
import type { RunTask } from './task.ts';

/** How a value is shown: a fraction as a percentage, a duration, a count with SI prefixes, or a plain number. */
export type MetricFormat = 'percent' | 'ms' | 'seconds' | 'count' | 'number';

export interface MetricDef {
  /** The one spelling: store key, objective name, flag suffix (`_` as `-`), table `--col` name. */
  name: string;
  /** Short label for axes and table headers. */
  label: string;
  /** Unit shown after a value ('' for none). */
  unit: string;
  direction: 'max' | 'min';
  format: MetricFormat;
  /** Plotted on a log scale by default (quantities spanning orders of magnitude). */
  log: boolean;
  /** The tasks whose evaluations report it; absent: every task. */
  tasks?: readonly RunTask[];
  /** The data sets whose evaluations report it; absent: any data set of its tasks. */
  datasets?: readonly string[];
  /** The quality its tasks' searches maximise first (one per task; costs are the others). */
  quality?: true;
  description: string;
}

export const metricRegistry = [
  { name: 'accuracy', label: 'Accuracy', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['classification'], quality: true,
    description: 'top-1 accuracy on the validation images' },
  { name: 'miou', label: 'mIoU', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['segmentation'], quality: true,
    description: 'mean intersection over union of the classes on the validation scenes' },
  { name: 'pixel_accuracy', label: 'Pixel accuracy', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['segmentation'],
    description: 'share of validation pixels labelled correctly' },
  // Domain shift (--dataset scenes-domain): miou is then the source domain's, these the target's.
  { name: 'target_miou', label: 'Target mIoU', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['segmentation'], datasets: ['scenes-domain'],
    description: 'mean IoU on the labelled validation scenes of the target domain, whose labels training never sees' },
  { name: 'domain_gap', label: 'Domain gap', unit: '', direction: 'min', format: 'percent', log: false, tasks: ['segmentation'], datasets: ['scenes-domain'],
    description: 'source validation mIoU minus target validation mIoU: what the shift of domain costs' },
  { name: 'fewshot_miou_1shot', label: '1-shot novel mIoU', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['fewshot-seg'], quality: true,
    description: 'mean IoU of the novel classes over a fixed, seeded set of 1-shot episodes on the validation scenes (backbone trained on the base classes)' },
  { name: 'fewshot_miou_5shot', label: '5-shot novel mIoU', unit: '', direction: 'max', format: 'percent', log: false, tasks: ['fewshot-seg'],
    description: 'mean IoU of the novel classes over the same episodes with 5 supports a class' },
  { name: 'latency_ms', label: 'Latency', unit: 'ms', direction: 'min', format: 'ms', log: true,
    description: 'median batch-1 inference time on one thread (measured, predicted from a table, or looked up)' },
  { name: 'latency_iqr_ms', label: 'Latency IQR', unit: 'ms', direction: 'min', format: 'ms', log: false,
    description: 'interquartile range of the repeated latency runs' },
  { name: 'params', label: 'Parameters', unit: '', direction: 'min', format: 'count', log: true,
    description: 'trainable parameters' },
  { name: 'flops', label: 'MACs', unit: '', direction: 'min', format: 'count', log: true,
    description: 'multiply-adds of one forward pass at batch 1' },
  { name: 'train_seconds', label: 'Train time', unit: 's', direction: 'min', format: 'seconds', log: false,
    description: 'wall seconds the evaluation trained for' },
  { name: 'energy_mj', label: 'Energy', unit: 'mJ', direction: 'min', format: 'number', log: true,
    description: 'energy of one batch-1 inference (from a benchmark table column: --col energy_mj=COLUMN)' },
  // Zero-cost proxy scores (--evaluator zc:PROXY) of the untrained network: higher is expected to be better, not an accuracy.
  { name: 'zc_synflow', label: 'synflow (zero-cost)', unit: '', direction: 'max', format: 'number', log: true,
    description: 'synaptic flow of the untrained network (zero-cost proxy)' },
  { name: 'zc_naswot', label: 'NASWOT (zero-cost)', unit: '', direction: 'max', format: 'number', log: false,
    description: 'log-determinant of the activation-pattern kernel on one minibatch (zero-cost proxy)' },
  { name: 'zc_snip', label: 'SNIP (zero-cost)', unit: '', direction: 'max', format: 'number', log: true,
    description: 'loss sensitivity |w * dL/dw| summed over the kernels of the untrained network, on one minibatch (zero-cost proxy)' },
  { name: 'zc_grad_norm', label: 'grad norm (zero-cost)', unit: '', direction: 'max', format: 'number', log: true,
    description: 'norms of the kernels\' loss gradients of the untrained network summed, on one minibatch (zero-cost proxy)' },
  { name: 'zc_fisher', label: 'Fisher (zero-cost)', unit: '', direction: 'max', format: 'number', log: true,
    description: 'Fisher information of the output channels of the untrained network, on one minibatch (zero-cost proxy)' },
  { name: 'zc_jacob_cov', label: 'jacob_cov (zero-cost)', unit: '', direction: 'max', format: 'number', log: false,
    description: 'how uncorrelated the input gradients of a minibatch\'s images are in the untrained network (zero-cost proxy)' },
  // A predictor-guided search's forecast (--strategy bananas), stored so that it can be judged against what was measured.
  { name: 'predicted', label: 'Predicted (before evaluation)', unit: '', direction: 'max', format: 'number', log: false,
    description: 'the predictor\'s mean for the run\'s fitness (accuracy, unless --score), made before the candidate was evaluated' },
] as const satisfies readonly MetricDef[];

export type MetricName = (typeof metricRegistry)[number]['name'];
/** A candidate's measured values; a metric not measured is absent. */
export type MetricValues = Partial<Record<MetricName, number>>;

export const metricNames: readonly MetricName[] = metricRegistry.map((m) => m.name);

const byName = new Map<string, MetricDef>(metricRegistry.map((m) => [m.name, m]));

export const isMetricName = (name: string): name is MetricName => byName.has(name);

export function metricDef(name: MetricName): MetricDef {
  return byName.get(name)!;
}

/** The metrics a task's evaluations can report, in registry order. */
export function metricsOfTask(task: string): MetricDef[] {
  return metricRegistry.filter((m: MetricDef) => !m.tasks || m.tasks.includes(task as RunTask));
}

/** Whether evaluations on `dataset` can report the metric (data sets of a metric that needs particular ones). */
export function measuredOn(m: MetricDef, dataset: string | undefined): boolean {
  return !m.datasets || (dataset !== undefined && m.datasets.includes(dataset));
}

/** What "better" means first for a task: the quality a search maximises beside its costs. */
export function qualityMetric(task: string): MetricName {
  const m = metricsOfTask(task).find((d) => d.quality);
  if (!m) throw new Error(`metrics: no quality metric registered for task '${task}'`);
  return m.name as MetricName;
}

/**
 * The metric a zero-cost proxy's score is stored under: `zc_<proxy>`, except that the size
 * baselines (params, flops) are the `params` and `flops` metrics themselves.
 */
export function zeroCostMetric(proxy: string): MetricName {
  const name = byName.has(proxy) ? proxy : `zc_${proxy}`;
  if (!isMetricName(name)) throw new Error(`metrics: no metric registered for zero-cost proxy '${proxy}'`);
  return name;
}

/**
 * What a run maximises first: its zero-cost proxy's score when it ranks by one, the target
 * domain's mIoU when its candidates train for a domain shift (a proxy spec with `adapt`), else its
 * task's quality.
 */
export function runQuality(task: string, evaluator: unknown): MetricName {
  const e = evaluator as { kind?: unknown; proxy?: unknown; adapt?: unknown } | undefined;
  if (e?.kind === 'zero-cost' && typeof e.proxy === 'string') return zeroCostMetric(e.proxy);
  return e?.kind === 'proxy' && e.adapt !== undefined ? 'target_miou' : qualityMetric(task);
}

/** The values that were measured: NaN and infinities (a failed measurement) count as not measured. */
export function finiteValues(values: MetricValues): MetricValues {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
}
