/**
 * Experiment configs: YAML validated by zod into typed configs. Every mistake becomes one ConfigError
 * naming the file, the YAML line, the field path and what would be valid, e.g.
 *   experiments/x.yaml:14: variants[1].protocol.quorum.fraction: must be <= 1, got 1.5
 * The schemas, checks and warnings are the kinds' own (runner/kinds/<kind>/); this module parses YAML,
 * collects every problem and says where each is.
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { PRESETS } from '../envs/dao/presets.ts';
import { DURATION_FIELDS, formatIssue, protocolFieldsAt, protocolSchema } from '../envs/dao/protocol.ts';
import { DURATION_FORMS, formatDuration } from '../envs/dao/units.ts';
import { KINDS, kindOf, type ExperimentConfig } from './kinds/index.ts';
import type { CompareConfig } from './kinds/compare/index.ts';
import type { LoopConfig } from './kinds/loop/index.ts';
import type { SearchConfig } from './kinds/search/index.ts';
import type { StressConfig } from './kinds/stress/index.ts';
import type { TrainConfig } from './kinds/train/index.ts';
import { closestName, ConfigError, describeValue, METRICS, unknownFieldMessage, type PopulationConfig, type Problem, type SeasonMetric, type VariantConfig } from './schema.ts';

export const experimentSchema = z.discriminatedUnion('kind', Object.values(KINDS).map((kind) => kind.schema) as unknown as [AnyKindSchema, ...AnyKindSchema[]], {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of: ${Object.keys(KINDS).join(', ')}, got ${describeValue((issue.input as Record<string, unknown> | undefined)?.kind)}` : undefined),
});
type AnyKindSchema = (typeof KINDS)[keyof typeof KINDS]['schema'];

export type { ExperimentConfig } from './kinds/index.ts';
export type SeasonExperimentConfig = CompareConfig | StressConfig;
export type { CompareConfig, StressConfig, TrainConfig, SearchConfig, LoopConfig, VariantConfig, PopulationConfig };
export { ConfigError, closestName, METRICS, type SeasonMetric };
export { STRESSORS, type Stressor } from './kinds/stress/index.ts';


function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(top level)' : out;
}

/** The message for one zod issue, saying what is valid. */
function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int' && typeof input === 'number') return `must be an integer, got ${input}`;
      return input === undefined ? `required (${issue.expected})` : `must be ${issue.expected === 'number' || issue.expected === 'int' ? 'a number' : issue.expected === 'array' ? 'a list' : issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}, got ${describeValue(input)}`;
    case 'too_small':
      if (issue.origin === 'array') return issue.message.startsWith('give') ? issue.message : `needs at least ${String(issue.minimum)} entries`;
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${describeValue(input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `at most ${String(issue.maximum)} entries`;
      if (issue.origin === 'string') return `at most ${Number(issue.maximum).toLocaleString('en-US')} characters, got ${typeof input === 'string' ? input.length.toLocaleString('en-US') : describeValue(input)}`;
      return `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${describeValue(input)}`;
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? `'${String(issue.values[0])}'` : `one of: ${issue.values.map(String).join(', ')}`}, got ${describeValue(input)}`;
    case 'invalid_format':
      return `${issue.message}, got ${describeValue(input)}`;
    case 'not_multiple_of':
      return `must be an integer, got ${describeValue(input)}`;
    default:
      return issue.message;
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part as string];
  }
  return node;
}

/** The 1-based line of the deepest YAML node on `path` (the parent's when the field is missing). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

/** Cross-field checks zod's shapes cannot express: the kind's own. */
function crossChecks(config: ExperimentConfig): Problem[] {
  return kindOf(config).checks?.(config) ?? [];
}

/**
 * The protocol of every variant, checked on the raw config (so its problems are listed beside the schema's):
 * the preset's protocol with the variant's fields over it, every issue, and durations without a unit.
 */
function variantProtocolProblems(data: unknown): Problem[] {
  const problems: Problem[] = [];
  // The variants of compare, stress and train; a sweep's base, whose protocol every setting starts from.
  const variants = (data as { variants?: unknown } | null)?.variants;
  const base = (data as { base?: unknown } | null)?.base;
  const entries: Array<[unknown, PropertyKey[]]> = [
    ...(Array.isArray(variants) ? variants.map((v, i): [unknown, PropertyKey[]] => [v, ['variants', i, 'protocol']]) : []),
    ...(base !== null && typeof base === 'object' && !Array.isArray(base) ? [[base, ['base', 'protocol']] as [unknown, PropertyKey[]]] : []),
  ];
  entries.forEach(([raw, prefix]) => {
    if (raw === null || typeof raw !== 'object') return;
    const v = raw as { preset?: unknown; protocol?: unknown };
    const presetName = v.preset ?? 'compound-bravo';
    if (typeof presetName !== 'string' || PRESETS[presetName] === undefined) return; // the schema names the preset
    if (v.protocol !== undefined && (v.protocol === null || typeof v.protocol !== 'object' || Array.isArray(v.protocol))) return; // the schema says it must be a mapping
    const own = (v.protocol ?? {}) as Record<string, unknown>;
    const merged = { ...PRESETS[presetName]!.protocol, ...own };
    const at = (path: readonly PropertyKey[]): PropertyKey[] => [...prefix, ...path];
    // A duration is never a bare number in a config: `timelock: 7` meant as days would be 7 blocks.
    for (const path of DURATION_FIELDS) {
      const value = valueAt(own, path);
      if (typeof value === 'number') {
        problems.push([at(path), `must be ${DURATION_FORMS}, got ${value} (a bare number would be ${formatDuration(value)}; write '${value} blocks' if that is meant)`]);
      }
    }
    const parsed = protocolSchema.safeParse(merged, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push([at([...issue.path, key]), unknownFieldMessage(key, protocolFieldsAt(issue.path, merged) ?? [])]);
          continue;
        }
        // A bare number at a duration field is reported above; its range check would only repeat it.
        if (DURATION_FIELDS.some((path) => path.join('.') === issue.path.join('.')) && typeof valueAt(own, issue.path) === 'number') continue;
        const plain = issue.code === 'invalid_type' || issue.code === 'too_big' || issue.code === 'too_small' || issue.code === 'invalid_value';
        const known = formatIssue(new z.ZodError([issue]), 'protocol');
        const message = plain ? issueMessage(issue, valueAt(merged, issue.path)) : known.message.slice(known.field.length + 2);
        problems.push([at(issue.path), message]);
      }
    }
  });
  return problems;
}

/** At most this many problems are listed; the rest are counted. */
export const MAX_CONFIG_ERRORS = 20;


/** The problems one zod issue stands for (one per unknown key), with messages that say what is valid. */
function issueProblems(issue: z.core.$ZodIssue, data: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const valid = /valid fields: (.*)$/.exec(issue.message)?.[1]?.split(', ') ?? [];
    return issue.keys.map((key) => [[...issue.path, key], unknownFieldMessage(key, valid)]);
  }
  if (issue.code === 'invalid_union' && issue.path.length === 0) {
    return [[['kind'], `must be one of: ${Object.keys(KINDS).join(', ')}, got ${describeValue((data as Record<string, unknown>).kind)}`]];
  }
  return [[issue.path as PropertyKey[], issueMessage(issue, valueAt(data, issue.path))]];
}

/**
 * A typo of a required field is one mistake, not two: "unknown field 'fracton' (did you mean 'fraction'?)"
 * replaces "fraction: required" beside it.
 */
function withoutTypoEchoes(problems: Problem[]): Problem[] {
  const echoes = new Set<string>();
  for (const [path, message] of problems) {
    const guess = /\(did you mean '([^']+)'\?\)/.exec(message)?.[1];
    if (guess !== undefined) echoes.add(JSON.stringify([...path.slice(0, -1), guess]));
  }
  const seen = new Set<string>();
  return problems.filter(([path, message]) => {
    const key = JSON.stringify([path, message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return !(message.startsWith('required') && echoes.has(JSON.stringify(path)));
  });
}

/** Problems as `file:line: field: message` lines in file order, at most MAX_CONFIG_ERRORS, as one ConfigError. */
function configError(file: string, doc: Document, counter: LineCounter, problems: Problem[]): ConfigError {
  const located = problems.map(([path, message]) => ({ field: formatPath(path), line: lineOf(doc, counter, path), message }));
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const lines = located.slice(0, MAX_CONFIG_ERRORS).map(({ field, line, message }) => `${file}${line === null ? '' : `:${line}`}: ${field}: ${message}`);
  if (located.length > MAX_CONFIG_ERRORS) lines.push(`${file}: ... and ${located.length - MAX_CONFIG_ERRORS} more problems`);
  const first = located[0]!;
  return new ConfigError(lines.join('\n'), first.field, first.line, lines);
}

/**
 * Parses and validates experiment YAML; throws a ConfigError listing every problem found (up to
 * MAX_CONFIG_ERRORS), one `file:line: field: message` line each.
 */
/** Alias references a config may expand; a nest of aliases beyond it is refused as an expansion bomb. */
const MAX_YAML_ALIASES = 100;

export function parseExperiment(text: string, file = 'config'): ExperimentConfig {
  return parseExperimentWithWarnings(text, file).config;
}

/** parseExperiment, and the plausibility warnings (`file:line: field: warning: ...`) for stderr. */
export function parseExperimentWithWarnings(text: string, file = 'config'): { config: ExperimentConfig; warnings: string[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first syntax error only: the parser's later ones are mostly its echoes.
    const lines = doc.errors.slice(0, 1).map((error) => {
      const line = error.linePos?.[0]?.line ?? null;
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `${file}${line === null ? '' : `:${line}`}: invalid YAML: ${message}`;
    });
    throw new ConfigError(lines.join('\n'), '(yaml)', doc.errors[0]!.linePos?.[0]?.line ?? null, lines);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml package refuses alias expansion beyond the count with a ReferenceError (a "billion laughs" file).
    if (!(error instanceof ReferenceError && /alias/i.test(error.message))) throw error;
    throw new ConfigError(`${file}: invalid YAML: its aliases expand past ${MAX_YAML_ALIASES} copies (a config never needs that many)`, '(yaml)', null);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(`${file}: an experiment config must be a YAML mapping with name, kind, ...`, '(top level)', null);
  const result = experimentSchema.safeParse(data);
  const protocolProblems = variantProtocolProblems(data);
  if (!result.success) throw configError(file, doc, counter, withoutTypoEchoes([...result.error.issues.flatMap((issue) => issueProblems(issue, data)), ...protocolProblems]));
  const problems = withoutTypoEchoes([...protocolProblems, ...crossChecks(result.data)]);
  if (problems.length > 0) throw configError(file, doc, counter, problems);
  const warnings = plausibilityWarnings(result.data).map(([path, message]) => {
    const line = lineOf(doc, counter, path);
    return `${file}${line === null ? '' : `:${line}`}: ${formatPath(path)}: warning: ${message}`;
  });
  return { config: result.data, warnings };
}

/**
 * Values no deployed governor uses, likely a unit mistake: said on stderr, never refused (the kind's own, over
 * what the config sets).
 */
function plausibilityWarnings(config: ExperimentConfig): Problem[] {
  return kindOf(config).warnings?.(config) ?? [];
}
