/** Generator models on disk as JSON, written atomically (temporary name, then rename), checked by kind on load. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/files.ts';

export async function saveModel(path: string, model: { kind: string }): Promise<void> {
  writeFileAtomic(path, JSON.stringify(model));
}

export async function loadModel<M extends { kind: string }>(path: string, kind: M['kind']): Promise<M> {
  const model = JSON.parse(await readFile(path, 'utf8')) as M;
  if (model.kind !== kind) throw new Error(`${path} holds a '${model.kind}' model, not '${kind}'`);
  return model;
}
