/**
 * `--evaluator oneshot:RUN|FILE`: the supernet checkpoint a one-shot evaluator inherits from, the
 * newest of spos or ofa run RUN in the run's database (or a checkpoint file), with its sha256 so that a
 * resumed search refuses a supernet that changed under it (record.ts).
 */
import { existsSync } from 'node:fs';
import { DEFAULT_CALIBRATION_IMAGES } from '../evaluate/one-shot.ts';
import { resolve } from 'node:path';
import { readSupernetCheckpoint, latestSupernetCheckpoint } from '../train/supernet-checkpoint.ts';
import { UsageError } from '../util/errors.ts';
import type { LoadedSpace } from '../space/load.ts';
import { fileSha256 } from './record.ts';
import { checkpointDir } from './session.ts';

export interface OneShotSpec { kind: 'oneshot'; checkpoint: string; sha256: string; calibrationImages: number }

export function oneShotSpec(ref: string, db: string, space: LoadedSpace): OneShotSpec {
  const flag = `--evaluator oneshot:${ref}`;
  let path: string;
  if (/^\d+$/.test(ref)) {
    const found = latestSupernetCheckpoint(resolve(checkpointDir(db, Number(ref))));
    if (!found) throw new UsageError(`${flag}: run ${ref} of ${db} has no supernet checkpoint (train one with cellscape search --strategy spos, or ofa for a block space)`);
    path = found;
  } else {
    path = resolve(ref);
    if (!existsSync(path)) throw new UsageError(`${flag}: no such run number or checkpoint file`);
  }
  let owner;
  try {
    owner = readSupernetCheckpoint(path).owner;
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
  if (owner.spaceHash !== space.hash) {
    throw new UsageError(`${flag}: the supernet is of the space ${owner.spaceName} (hash ${owner.spaceHash.slice(0, 12)}), the search's is ${space.name} (${space.hash.slice(0, 12)})`);
  }
  return { kind: 'oneshot', checkpoint: path, sha256: fileSha256(path, 'supernet checkpoint'), calibrationImages: DEFAULT_CALIBRATION_IMAGES };
}
