/**
 * `npm run docs`: writes docs/config.md, the reference of every config field of every experiment kind and of a
 * variant's protocol (type, unit, default, valid range, meaning), generated from the zod schemas the runner
 * validates with (z.toJSONSchema) and the doc comments beside their fields. test/docs.test.ts fails when the
 * file is stale.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SWEEP_PARAMETERS } from '../runner/kinds/sweep/parameters.ts';
import { protocolSchema } from '../envs/dao/protocol.ts';
import { KINDS } from '../runner/kinds/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_DOC = join(root, 'docs', 'config.md');

type Json = Record<string, unknown>;

/** Doc comments written right above a field (`/** ... *\/ name:`), per source file, first sentence. */
function fieldComments(files: string[]): Map<string, string> {
  const comments = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*?)\*\/\s*([A-Za-z][\w]*)\s*:/g)) {
      const body = match[1]!.replace(/^\s*\*\s?/gm, ' ').replace(/\s+/g, ' ').trim();
      const first = body.match(/^(.*?[.:])(\s|$)/)?.[1] ?? body;
      if (!comments.has(match[2]!)) comments.set(match[2]!, first.replace(/[.:]$/, ''));
    }
  }
  return comments;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') && !name.endsWith('trial.ts') ? [path] : [];
  });
}

/** Meanings of fields whose name means something else elsewhere. */
const PATH_MEANINGS: Record<string, string> = {
  'design.kind': 'grid, lhs (a Latin hypercube, seeded by the config seed) or sobol (the unscrambled Sobol sequence)',
};

/** Meanings of the fields whose definitions carry no doc comment of their own. */
const MEANINGS: Record<string, string> = {
  target: 'what counts as safe enough: the verdict recommends the cheapest setting under it',
  attackLossUsd: 'money at risk a season (usd) a setting must stay under, at the upper end of its interval',
  design: 'how settings are chosen: grid (every combination of the lists), lhs (a Latin hypercube) or sobol, with points settings',
  points: 'how many settings a design spreads over the ranges (lhs, sobol)',
  base: 'the protocol every setting starts from (a preset, with changes for all settings); it also runs as setting base',
  kind: 'the experiment kind',
  name: 'a name of letters, digits and . _ + - (runs, variants and populations are named by it)',
  description: 'free text kept with the run and shown in its report',
  seed: 'the config seed: every trial seed derives from it, so the same seed gives the same results',
  seeds: 'replicates per cell (variant x population x attack x ...), common to every variant',
  workers: 'worker threads (default: one per core; compare, stress and sweep start in process and move to threads once the run proves long enough; 1 runs in process; --workers overrides)',
  variants: 'the protocol variants compared, the first (or report.baseline) the baseline',
  preset: 'the deployed governor whose constants the variant starts from (daogym list presets)',
  protocol: "changes to the preset's protocol (the fields below, under Protocol fields)",
  populations: 'the member populations every variant is played on',
  members: 'members in a population',
  options: "the default population's parameters",
  supply: 'token supply the members hold',
  balanceTail: 'Pareto shape of balances (smaller = more concentrated in whales)',
  idleShare: 'share of supply held by members who never vote nor delegate',
  delegates: 'number of delegates members delegate to',
  turnoutScale: 'scale of members\' participation (1 = calibrated to Compound Bravo\'s turnout)',
  lateShare: 'share of votes cast in the last tenth of the voting window',
  alignmentMean: 'mean of members\' alignment with honest proposals (higher = more support)',
  attacks: 'the scripted attacks played (daogym list attacks), `none` for a season without one',
  attackBudgetUsd: "the attacker's budget",
  season: 'the season every trial plays: its length, proposals, treasury and the attack\'s timing and disguise',
  market: 'the token market: AMM pool, lending market, flash loans (default: sized to the preset\'s supply)',
  report: 'what the report leads with',
  primaryMetric: 'the metric the verdict and comparisons are about',
  baseline: 'the variant (or preset) the others are compared with',
  metrics: 'further metrics tabulated',
  stress: 'the stressor swept and its grid',
  stressor: 'what the grid varies',
  values: 'the grid of stressor values (increasing)',
  scale: 'linear or log axis for the grid',
  threshold: 'attack success rate at which a rule counts as broken',
  envKwargs: 'kwargs of dao/GovernanceAttack-v0 shared by every variant',
  agent: 'the attacker\'s learning algorithm and its settings',
  totalTimesteps: 'environment steps of training',
  numEnvs: 'parallel environments',
  numSteps: 'steps per environment per update',
  learningRate: 'Adam learning rate',
  evalEpisodes: 'held-out episodes the trained attacker is evaluated on',
  env: 'the environment id',
  treasuryUsd: 'the treasury at the start of the season',
  days: 'length of the season',
  proposalsPerMonth: 'honest grant proposals a month',
  attackShare: 'share of the treasury the attacker\'s proposal requests',
  attackDay: 'day of the season the attack starts',
  votingDelay: 'from a proposal to the opening of its vote',
  votingPeriod: 'how long the vote is open',
  timelock: 'from a passed vote to when the proposal may execute',
  quorum: 'how many votes a proposal needs: none, absolute (tokens), fraction (of supply), nouns (dynamic), or an expression',
  majority: 'simple, supermajority (a fraction of cast votes) or differential (Aave: For - Against above a share of supply)',
  votingPower: 'how tokens become votes: token, quadratic, conviction or lock',
  delayCostPerDay: 'value an honest proposal loses per day it waits (share of its value)',
  attackSignal: 'the public signal members see on the drain (negative: it looks bad)',
  attackAttention: 'share of members\' usual attention the drain gets',
  fraction: 'a share: of supply (quorum), of cast votes (supermajority) or For needed (emergency commit)',
  dataTurnout: 'the median turnout to calibrate to, as a share of supply (default: read from the event log)',
  dataSupply: 'the token supply behind the data (tokens), for turnout as a share of it',
  maxEvaluations: 'CMA-ES evaluations the search may spend',
  loanToValue: 'share of collateral value a loan may take',
  lendingToken: 'tokens in the lending market',
  interestPerBlock: 'interest per block on borrowed tokens',
  flashLoanFee: 'fee on a flash loan (share of the amount)',
  ammUsd: 'usd in the AMM pool',
  ammToken: 'tokens in the AMM pool',
  ammFee: 'AMM swap fee (share)',
  weight: 'conviction weight parameter (1Hive rho)',
  votes: 'quorum in tokens',
  trainSeasons: 'seasons every candidate is scored on, per training population',
  heldOutSeasons: 'seasons the design and the baseline are judged on',
  temperature: 'softness of the fine-tune weights, in standard deviations of the losses',
  klWeight: 'pull of the fine-tuned generator toward G_1',
  screen: 'fresh populations the replay screens',
  keep: 'screened populations that join training',
  pick: 'which screened populations join: the worst, or (control) the first',
  rounds: 'rounds of the closed loop',
  populationsPerRound: 'populations sampled from G_r and attacked each round',
  reference: 'the preset the regret adversary measures against',
  protocolSearch: 'the protocol re-tune of each round (CMA-ES over the design parameters)',
  ppoAttacker: 'settings of the PPO attacker (attackSearch: ppo)',
  fineTune: 'how the generator is fine-tuned toward high loss, under the realism floor',
  heldOut: 'the populations the final protocols are judged on',
  multipliers: 'vote multiplier per lock level',
  minBps: 'Nouns: the lowest quorum (basis points of supply)',
  maxBps: 'Nouns: the highest quorum (basis points of supply)',
  coefficient: 'Nouns: quorum increase per Against vote, fixed point with 6 decimals (1,000,000 = +1 bps per bps)',
  maxRatio: 'conviction: the largest share of funds a proposal may request',
  decay: 'conviction: the decay per period (alpha)',
  expression: 'a formula over supply, votes, turnout and the treasury (see envs/dao/quorum-expression.ts)',
  differentialBps: 'Aave: For - Against must exceed this share of supply',
  concentration: 'held-out grid: concentration effects of the stress populations',
  antagonistStep: 'distance of the antagonists from the current protocol (design units)',
  afterBlocks: 'blocks after which the emergency commit may execute',
};

const DURATIONS = new Set(['votingDelay', 'votingPeriod', 'lateQuorumExtension', 'timelock', 'gracePeriod', 'periodBlocks', 'afterBlocks']);

function unitOf(name: string): string {
  if (DURATIONS.has(name)) return "duration: '2d', '36h', '90m', '1w' or '13140 blocks' (12 s blocks)";
  if (/Usd$/.test(name)) return 'usd';
  if (/Bps$/.test(name)) return 'basis points (10,000 = 100 %)';
  if (/^(fraction|proposalThreshold|attackShare|holdoutShare|idleShare|lateShare|minStakeShare|maxRatio|voteCap|delegationShare)$/.test(name)) return 'share (0-1)';
  if (/^(days|attackDay|seasonDays)$/.test(name)) return 'days';
  if (name === 'votes') return 'tokens';
  return '';
}

function typeOf(schema: Json): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => `\`${String(v)}\``).join(', ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeOf).join(' or ');
  if (Array.isArray(schema.type)) return (schema.type as string[]).join(' or ');
  if (schema.type === 'array') return `list of ${typeOf((schema.items ?? {}) as Json)}`;
  if (schema.type === 'object') return schema.additionalProperties !== undefined && schema.properties === undefined ? 'mapping' : 'mapping';
  return String(schema.type ?? 'any');
}

function rangeOf(schema: Json): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`>= ${String(schema.minimum)}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${String(schema.exclusiveMinimum)}`);
  if (schema.maximum !== undefined) parts.push(`<= ${String(schema.maximum)}`);
  if (schema.exclusiveMaximum !== undefined) parts.push(`< ${String(schema.exclusiveMaximum)}`);
  if (schema.minItems !== undefined) parts.push(`at least ${String(schema.minItems)} entries`);
  if (schema.maxItems !== undefined) parts.push(`at most ${String(schema.maxItems)} entries`);
  if (schema.maxLength !== undefined) parts.push(`at most ${String(schema.maxLength)} characters`);
  return parts.join(', ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const defaultOf = (schema: Json): string => (schema.default === undefined ? '' : `\`${JSON.stringify(schema.default).slice(0, 60)}\``);

/** A sweep's parameters (kind sweep): one row each, in its own unit, with what it sets; the range fields once. */
function sweepRow(name: string): string[] | undefined {
  const parameter = SWEEP_PARAMETERS[name];
  if (parameter === undefined) return undefined;
  const unit = parameter.unit === 'share' ? `share (0-1)${parameter.offValue ? " or 'off'" : ''}` : parameter.unit === 'switch' ? 'true / false' : unitOf('timelock');
  return [`\`parameters.${name}\``, 'a list of values, or a range', cell(unit), '', cell(parameter.unit === 'switch' ? 'true, false' : `${parameter.low} to ${parameter.high}${parameter.unit === 'duration' ? ' blocks' : ''}`), cell(`sets ${parameter.sets}`)];
}

/** Table rows for every field under `schema`, paths joined with dots, list items as `[]`, union options by kind. */
function rows(schema: Json, path: string, comments: Map<string, string>, out: string[][]): void {
  const properties = schema.properties as Record<string, Json> | undefined;
  if (properties !== undefined) {
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [name, field] of Object.entries(properties)) {
      const fieldPath = path ? `${path}.${name}` : name;
      const swept = path === 'parameters' ? sweepRow(name) : undefined;
      if (swept !== undefined) {
        out.push(swept);
        continue;
      }
      out.push([`\`${fieldPath}\`${required.has(name) && field.default === undefined ? ' (required)' : ''}`, cell(typeOf(field)), cell(unitOf(name)), cell(defaultOf(field)), cell(rangeOf(field)), cell(PATH_MEANINGS[fieldPath] ?? MEANINGS[name] ?? comments.get(name) ?? '')]);
      rows(field, fieldPath, comments, out);
      if (fieldPath === 'parameters' && properties.design !== undefined) {
        out.push(['`parameters.<name>: [v1, v2, ...]`', 'list', '', '', '1 to 50 values', 'grid: the values tried (with design lhs or sobol: picked by stratum)']);
        out.push(['`parameters.<name>: { low, high, scale }`', 'mapping', '', '`scale: linear`', 'low < high; log needs low > 0', 'design lhs or sobol: the range the settings spread over, evenly in the value (linear) or its logarithm (log)']);
      }
    }
  }
  if (schema.type === 'array' && schema.items !== undefined) rows(schema.items as Json, `${path}[]`, comments, out);
  for (const option of ((schema.anyOf ?? schema.oneOf) as Json[] | undefined) ?? []) {
    const kind = ((option.properties as Record<string, Json> | undefined)?.kind?.const as string | undefined) ?? undefined;
    if (option.properties !== undefined) rows(option, kind === undefined ? path : `${path}{kind=${kind}}`, comments, out);
  }
}

function table(schema: z.ZodType, comments: Map<string, string>): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  const out: string[][] = [];
  rows(json, '', comments, out);
  const header = '| field | type | unit | default | valid | meaning |\n|---|---|---|---|---|---|';
  return `${header}\n${out.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`;
}

export function configReference(): string {
  const comments = fieldComments(['runner/schema.ts', 'runner/kinds/design-fields.ts', ...sourceFiles('runner/kinds'), 'envs/dao/protocol.ts']);
  const parts = [
    '# Config reference',
    '',
    `Generated by \`npm run docs\` (scripts/docs.ts) from the schemas the runner validates with; \`test/docs.test.ts\` fails when it is stale. Every experiment config is a YAML mapping with a \`kind\`; fields marked required have no default. A config with mistakes is refused with every problem listed (\`file:line: field: message\`, up to 20).`,
    '',
    'Kinds: ' + Object.keys(KINDS).map((k) => `[\`${k}\`](#kind-${k})`).join(', ') + '; and [the protocol of a variant](#protocol-fields-variants-protocol).',
  ];
  for (const [name, kind] of Object.entries(KINDS)) {
    parts.push('', `## kind: ${name}`, '', table(kind.schema, comments));
  }
  parts.push(
    '',
    '## Protocol fields (`variants[].protocol`)',
    '',
    "A variant's `protocol` changes its preset's: only the fields it names. `daogym list presets` prints each preset's values with their contract and constant.",
    '',
    table(protocolSchema, comments),
  );
  return `${parts.join('\n')}\n`;
}

if (process.argv[1] !== undefined && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  writeFileSync(CONFIG_DOC, configReference());
  console.log(`wrote ${relative(root, CONFIG_DOC)}`);
}
