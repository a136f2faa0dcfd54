/**
 * Reader for a folder of PNG images listed in a CSV labels file (`file,label` per line, an
 * optional `file,label` header, paths relative to the folder). Labels that are all
 * non-negative integers are used as class indices; otherwise the distinct label names,
 * sorted, become the classes. Images must share one size; they load as one channel when
 * every pixel is grey, else as RGB (alpha is dropped; forcing 1 channel keeps red).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { UsageError } from '../util/errors.ts';
import type { Pool, Shape } from './types.ts';

const Row = z.object({
  file: z.string().trim().min(1, 'empty file name'),
  label: z.string().trim().min(1, 'empty label'),
});
type Row = z.infer<typeof Row>;

export interface ImageFolderOptions {
  labelsFile?: string;
  /** Forces 1 (grey) or 3 (RGB) channels; by default grey only when every image is grey. */
  channels?: 1 | 3;
}

function parseLabels(path: string): { row: Row; line: number }[] {
  const rows: { row: Row; line: number }[] = [];
  readFileSync(path, 'utf8').split(/\r?\n/).forEach((text, i) => {
    const line = i + 1;
    if (text.trim() === '' || (rows.length === 0 && /^\s*file\s*,\s*label\s*$/i.test(text))) return;
    const comma = text.lastIndexOf(',');
    const parsed = Row.safeParse(comma < 0 ? {} : { file: text.slice(0, comma), label: text.slice(comma + 1) });
    if (!parsed.success) {
      const why = comma < 0 ? 'no comma' : parsed.error.issues.map((e) => e.message).join(', ');
      throw new UsageError(`${path} line ${line}: expected 'file,label' (${why}), got '${text}'`);
    }
    rows.push({ row: parsed.data, line });
  });
  if (rows.length === 0) throw new UsageError(`${path}: no 'file,label' lines`);
  return rows;
}

function classesOf(rows: { row: Row }[]): { classNames: string[]; index: (label: string) => number } {
  const labels = rows.map((r) => r.row.label);
  if (labels.every((l) => /^\d+$/.test(l))) {
    const max = Math.max(...labels.map(Number));
    return { classNames: Array.from({ length: max + 1 }, (_, i) => String(i)), index: Number };
  }
  const classNames = [...new Set(labels)].sort();
  const ids = new Map(classNames.map((n, i) => [n, i]));
  return { classNames, index: (l) => ids.get(l)! };
}

export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): { pool: Pool; classNames: string[] } {
  const labelsPath = join(dir, opts.labelsFile ?? 'labels.csv');
  if (!existsSync(labelsPath)) throw new UsageError(`image folder ${dir}: labels file ${labelsPath} not found`);
  const rows = parseLabels(labelsPath);
  const seen = new Map<string, number>();
  const decoded = rows.map(({ row, line }) => {
    const where = `${labelsPath} line ${line}`;
    const rel = relative(dir, join(dir, row.file));
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`${where}: ${row.file} is outside ${dir}`);
    if (seen.has(rel)) throw new UsageError(`${where}: ${row.file} is already listed on line ${seen.get(rel)}`);
    seen.set(rel, line);
    const file = join(dir, rel);
    if (!existsSync(file)) throw new UsageError(`${where}: image ${file} not found`);
    try {
      return { png: PNG.sync.read(readFileSync(file)), file };
    } catch (err) {
      throw new UsageError(`${file} (${where}): not a readable PNG: ${(err as Error).message}`);
    }
  });
  const { width, height } = decoded[0].png;
  for (const { png, file } of decoded) {
    if (png.width !== width || png.height !== height) {
      throw new UsageError(`${file} is ${png.width}x${png.height}, expected ${width}x${height} like ${decoded[0].file}`);
    }
  }
  const grey = (d: Buffer): boolean => { for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false; return true; };
  const channels = opts.channels ?? (decoded.every(({ png }) => grey(png.data)) ? 1 : 3);
  const shape: Shape = [height, width, channels];
  const size = height * width * channels;
  const { classNames, index } = classesOf(rows);
  const images = new Uint8Array(rows.length * size);
  const labels = classNames.length > 256 ? new Int32Array(rows.length) : new Uint8Array(rows.length);
  decoded.forEach(({ png }, i) => {
    labels[i] = index(rows[i].row.label);
    for (let p = 0; p < height * width; p++) {
      for (let c = 0; c < channels; c++) images[i * size + p * channels + c] = png.data[4 * p + c];
    }
  });
  return { pool: { shape, numClasses: classNames.length, images, labels, count: rows.length }, classNames };
}
