/**
 * Generator models on disk as JSON, written atomically (temporary name, then rename), checked on load: a
 * regular file of sane size, valid JSON, the kind it says, and content that fits that kind (a copula model
 * relabelled 'parametric' would otherwise sample NaN without a word).
 */
import { z } from 'zod';
import { writeFileAtomic } from '../lib/files.ts';
import { InputFileError, MB, readInputText } from '../lib/inputs.ts';

/** A model file that cannot be used: one line naming the file and what is wrong. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export const MAX_MODEL_BYTES = 256 * MB;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const columns = z
  .array(z.string().min(1, 'column names must not be empty'), { error: 'must be a list of column names' })
  .min(1, 'needs at least one column')
  .refine((names) => new Set(names).size === names.length, 'column names must be unique');
const matrix = z.array(z.array(finite));

function sameLength(model: { columns: string[] }, ctx: z.RefinementCtx, field: string, length: number, expected = model.columns.length): void {
  if (length !== expected) ctx.addIssue({ code: 'custom', message: `has ${length} entries for ${expected === model.columns.length ? `${expected} columns` : `an expected ${expected}`}`, path: [field] });
}

const copula = z
  .object({ kind: z.literal('gaussian-copula'), columns, marginals: z.array(z.array(finite).min(1)), cholesky: z.array(finite), integer: z.array(z.boolean()) })
  .superRefine((m, ctx) => {
    sameLength(m, ctx, 'marginals', m.marginals.length);
    sameLength(m, ctx, 'integer', m.integer.length);
    sameLength(m, ctx, 'cholesky', m.cholesky.length, m.columns.length ** 2);
  });

const marginal = z.discriminatedUnion('family', [
  z.object({ family: z.literal('zero-one-beta'), p0: finite, p1: finite, a: finite, b: finite }),
  z.object({ family: z.literal('discrete-lognormal'), offset: finite, mu: finite, sigma: finite }),
  z.object({ family: z.literal('zero-gamma'), p0: finite, shape: finite, scale: finite }),
  z.object({ family: z.literal('normal'), mean: finite, std: finite }),
]);

const parametric = z.object({ kind: z.literal('parametric'), columns, marginals: z.array(marginal), cholesky: z.array(finite) }).superRefine((m, ctx) => {
  sameLength(m, ctx, 'marginals', m.marginals.length);
  sameLength(m, ctx, 'cholesky', m.cholesky.length, m.columns.length ** 2);
});

const hyper = z.object({ mean: z.array(finite), std: z.array(finite) });
const populationGenerator = z.object({ kind: z.literal('population-generator'), base: copula, hyper, prior: hyper });

// The neural models: their layout is checked by their own loaders; here the columns and the weights' presence.
const tvae = z
  .object({ kind: z.literal('tvae'), columns, marginals: z.array(z.array(finite)), integer: z.array(z.boolean()), latent: z.number().int().min(1), decoder: z.object({ sizes: z.array(z.number().int()), kernels: matrix, biases: matrix }), logSigma: z.array(finite) })
  .superRefine((m, ctx) => sameLength(m, ctx, 'integer', m.integer.length));
const ctgan = z.object({ kind: z.literal('ctgan'), columns, transforms: z.array(z.object({}).passthrough()), embeddingDim: z.number().int().min(1), generator: z.object({ residual: z.array(z.unknown()), output: z.object({}).passthrough() }) }).superRefine((m, ctx) => sameLength(m, ctx, 'transforms', m.transforms.length));

const probabilities = z.array(finite.refine((v) => v >= 0, 'must be >= 0'));
const mst = z
  .object({
    kind: z.literal('mst'),
    columns,
    cells: z.array(z.object({ lows: z.array(finite), highs: z.array(finite), integer: z.boolean() })),
    root: z.number().int().min(0),
    rootProbabilities: probabilities,
    edges: z.array(z.object({ parent: z.number().int().min(0), child: z.number().int().min(0), joint: probabilities })),
    privacy: z.object({}).passthrough().nullable(),
  })
  .superRefine((m, ctx) => {
    sameLength(m, ctx, 'cells', m.cells.length);
    sameLength(m, ctx, 'edges', m.edges.length, m.columns.length - 1);
    const size = (j: number) => m.cells[j]?.lows.length ?? 0;
    if (m.root >= m.columns.length || m.rootProbabilities.length !== size(m.root)) ctx.addIssue({ code: 'custom', message: 'root and its probabilities do not match the cells', path: ['rootProbabilities'] });
    m.edges.forEach((e, k) => {
      if (e.parent >= m.columns.length || e.child >= m.columns.length || e.joint.length !== size(e.parent) * size(e.child)) ctx.addIssue({ code: 'custom', message: 'an edge does not match its columns\' cells', path: ['edges', k] });
    });
  });

const tabddpm = z
  .object({ kind: z.literal('tabddpm'), columns, marginals: z.array(z.array(finite).min(1)), integer: z.array(z.boolean()), steps: z.number().int().min(1), embedding: z.number().int().min(2), network: z.object({ sizes: z.array(z.number().int().min(1)), kernels: matrix, biases: matrix }) })
  .superRefine((m, ctx) => {
    sameLength(m, ctx, 'marginals', m.marginals.length);
    sameLength(m, ctx, 'integer', m.integer.length);
    const { sizes, kernels, biases } = m.network;
    if (sizes[0] !== m.columns.length + m.embedding || sizes.at(-1) !== m.columns.length || kernels.length !== sizes.length - 1 || biases.length !== sizes.length - 1 || kernels.some((k, i) => k.length !== sizes[i]! * sizes[i + 1]!) || biases.some((b, i) => b.length !== sizes[i + 1]!)) {
      ctx.addIssue({ code: 'custom', message: 'the network does not match its sizes and columns', path: ['network'] });
    }
  });

/** Every model kind, its schema and how a person calls it. */
export const MODEL_KINDS = {
  'gaussian-copula': { schema: copula, label: 'copula' },
  parametric: { schema: parametric, label: 'parametric' },
  'population-generator': { schema: populationGenerator, label: 'population-generator' },
  tvae: { schema: tvae, label: 'TVAE' },
  ctgan: { schema: ctgan, label: 'CTGAN' },
  mst: { schema: mst, label: 'MST' },
  tabddpm: { schema: tabddpm, label: 'TabDDPM' },
} as const;
export type ModelKind = keyof typeof MODEL_KINDS;

export async function saveModel(path: string, model: { kind: string }): Promise<void> {
  writeFileAtomic(path, JSON.stringify(model));
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`;
}

/**
 * Reads and checks the model at `path` (of kind `expected`, when given); returns it with its kind. Every
 * problem is a ModelFileError naming the file.
 */
export function readModelFile(path: string, expected?: ModelKind): { kind: ModelKind; model: Record<string, unknown> } {
  let text: string;
  try {
    text = readInputText(path, 'a model file', MAX_MODEL_BYTES);
  } catch (error) {
    if (error instanceof InputFileError) throw new ModelFileError(error.message);
    throw error;
  }
  let model: unknown;
  try {
    model = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new ModelFileError(`${path} is not a model JSON (${error.message.slice(0, 80)}); give a file written by \`daogym generators fit\``);
    throw error;
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new ModelFileError(`${path} is not a model JSON (no kind); give a file written by \`daogym generators fit\``);
  const kind = (model as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(MODEL_KINDS, kind)) {
    throw new ModelFileError(`${path}: unknown model kind ${JSON.stringify(kind)}; valid kinds: ${Object.keys(MODEL_KINDS).join(', ')}`);
  }
  if (expected !== undefined && kind !== expected) throw new ModelFileError(`${path} holds a ${MODEL_KINDS[kind as ModelKind].label} model, not a ${MODEL_KINDS[expected].label} one`);
  const checked = MODEL_KINDS[kind as ModelKind].schema.safeParse(model);
  if (!checked.success) {
    // Content of another kind under this label: say what it holds.
    for (const [other, { schema, label }] of Object.entries(MODEL_KINDS)) {
      if (other !== kind && schema.safeParse({ ...model, kind: other }).success) throw new ModelFileError(`${path} says kind '${kind}' but holds a ${label} model; do not edit a model's kind`);
    }
    throw new ModelFileError(`${path}: not a valid ${MODEL_KINDS[kind as ModelKind].label} model: ${firstIssue(checked.error)}`);
  }
  return { kind: kind as ModelKind, model: model as Record<string, unknown> };
}

export async function loadModel<M extends { kind: string }>(path: string, kind: M['kind'] & ModelKind): Promise<M> {
  return readModelFile(path, kind).model as unknown as M;
}
