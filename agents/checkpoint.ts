/**
 * Checkpoints on disk. Pure tfjs has no file-system saver, so this is a small `tf.io.IOHandler` writing
 * `model.json` (topology-free: variable names, shapes, dtypes, and caller metadata) and `weights.bin`,
 * atomically (written to temporary names, then renamed), and reading them back.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../lib/tf.ts';

export function fileHandler(directory: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(directory, { recursive: true });
      const weights = artifacts.weightData === undefined ? new Uint8Array(0) : new Uint8Array(artifacts.weightData as ArrayBuffer);
      const manifest = { format: 'daogym-variables', weightSpecs: artifacts.weightSpecs ?? [], userDefinedMetadata: artifacts.userDefinedMetadata ?? {} };
      await writeFile(join(directory, 'weights.bin.tmp'), weights);
      await writeFile(join(directory, 'model.json.tmp'), JSON.stringify(manifest, null, 2));
      await rename(join(directory, 'weights.bin.tmp'), join(directory, 'weights.bin'));
      await rename(join(directory, 'model.json.tmp'), join(directory, 'model.json'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const manifest = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8')) as { format: string; weightSpecs: tf.io.WeightsManifestEntry[]; userDefinedMetadata: Record<string, unknown> };
      if (manifest.format !== 'daogym-variables') throw new Error(`${join(directory, 'model.json')} is not a daogym checkpoint`);
      const bytes = await readFile(join(directory, 'weights.bin'));
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return { weightSpecs: manifest.weightSpecs, weightData, userDefinedMetadata: manifest.userDefinedMetadata as Record<string, never> };
    },
  };
}

/** Saves named variables (and metadata) through the file handler. */
export async function saveVariables(directory: string, named: Record<string, tf.Variable>, metadata: Record<string, unknown> = {}): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(named);
  await fileHandler(directory).save!({ weightSpecs: specs, weightData: data, userDefinedMetadata: metadata as Record<string, never> });
}

/** Loads variables saved by saveVariables into `variables` (matched by name and shape). Returns the metadata. */
export async function loadVariables(directory: string, named: Record<string, tf.Variable>): Promise<Record<string, unknown>> {
  const artifacts = await fileHandler(directory).load!();
  const tensors = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs!);
  try {
    for (const [name, v] of Object.entries(named)) {
      const saved = tensors[name];
      if (saved === undefined) throw new Error(`checkpoint ${directory} has no variable '${name}'`);
      if (saved.shape.join('x') !== v.shape.join('x')) throw new Error(`checkpoint variable '${name}' has shape [${saved.shape}], expected [${v.shape}]`);
      v.assign(saved);
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return (artifacts.userDefinedMetadata ?? {}) as Record<string, unknown>;
}
