/**
 * User-written quorum formulas: a mathjs expression over named variables, e.g.
 * `max(0.04 * supply, 1.5 * turnoutLast)`. The expression is parsed once and its syntax tree checked
 * against an allow-list before anything runs: numbers, the named variables, arithmetic, comparison and
 * logic operators, `cond ? a : b`, parentheses, and a fixed set of pure functions. Assignments,
 * function definitions, property access, matrices, units, and functions such as `import`,
 * `evaluate`, `parse` or `createUnit` are refused, so an expression cannot reach anything outside its
 * variables. Evaluation uses a scope built from those variables alone.
 */
import { createRequire } from 'node:module';
import { KeptValues } from '../../lib/kept.ts';
import type { MathNode, create as createMath, all as allFactories } from 'mathjs';

/** The variables a quorum expression may use, and what they mean. */
export const QUORUM_VARIABLES = {
  supply: 'total voting supply at the snapshot',
  circulating: 'voting power delegated to someone (supply that can vote)',
  forVotes: 'For votes so far',
  againstVotes: 'Against votes so far',
  abstainVotes: 'Abstain votes so far',
  totalVotes: 'For + Against + Abstain',
  turnoutLast: 'votes cast on the previous proposal, as a share of supply',
  turnoutMean: 'mean share of supply cast over past proposals',
  voters: 'number of accounts that voted so far',
  requested: 'funds the proposal requests (0 if none)',
  treasury: 'treasury value at proposal creation',
} as const;

export type QuorumVariable = keyof typeof QUORUM_VARIABLES;
export type QuorumScope = Record<QuorumVariable, number>;

const ALLOWED_FUNCTIONS = new Set(['min', 'max', 'abs', 'sqrt', 'cbrt', 'floor', 'ceil', 'round', 'log', 'log10', 'log2', 'exp', 'pow', 'sign']);
const ALLOWED_OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'unaryPlus', 'pow', 'mod', 'smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not']);
const ALLOWED_CONSTANTS = new Set(['pi', 'e']);

export class QuorumExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuorumExpressionError';
  }
}

// A private mathjs instance, so nothing done here can change the shared one.
// Loaded and created on first use: importing mathjs costs over a second, which every CLI command paid.
let mathInstance: ReturnType<typeof createMath> | undefined;
function math(): ReturnType<typeof createMath> {
  if (mathInstance === undefined) {
    const mathjs = createRequire(import.meta.url)('mathjs') as { create: typeof createMath; all: typeof allFactories };
    mathInstance = mathjs.create(mathjs.all!, { number: 'number' });
  }
  return mathInstance;
}

export interface CompiledQuorumExpression {
  source: string;
  /** The variables the expression reads. */
  readonly variables: readonly QuorumVariable[];
  evaluate(scope: QuorumScope): number;
}

function check(node: MathNode, source: string, used: Set<QuorumVariable>): void {
  const where = `in quorum expression '${source}'`;
  switch (node.type) {
    case 'ConstantNode': {
      const value = (node as unknown as { value: unknown }).value;
      if (typeof value !== 'number') throw new QuorumExpressionError(`only numbers are allowed as constants ${where}, got ${JSON.stringify(value)}`);
      return;
    }
    case 'SymbolNode': {
      const name = (node as unknown as { name: string }).name;
      // Own keys only: `name in` would let 'constructor', 'toString' or '__proto__' through from Object.prototype.
      if (Object.hasOwn(QUORUM_VARIABLES, name)) used.add(name as QuorumVariable);
      else if (!ALLOWED_CONSTANTS.has(name)) {
        throw new QuorumExpressionError(`unknown variable '${name}' ${where}; valid variables: ${Object.keys(QUORUM_VARIABLES).join(', ')}`);
      }
      return;
    }
    case 'OperatorNode': {
      const op = node as unknown as { fn: string; op: string; args: MathNode[] };
      if (!ALLOWED_OPERATORS.has(op.fn)) throw new QuorumExpressionError(`operator '${op.op}' is not allowed ${where}`);
      for (const arg of op.args) check(arg, source, used);
      return;
    }
    case 'ParenthesisNode':
      check((node as unknown as { content: MathNode }).content, source, used);
      return;
    case 'ConditionalNode': {
      const c = node as unknown as { condition: MathNode; trueExpr: MathNode; falseExpr: MathNode };
      check(c.condition, source, used);
      check(c.trueExpr, source, used);
      check(c.falseExpr, source, used);
      return;
    }
    case 'FunctionNode': {
      const fn = node as unknown as { fn: MathNode; args: MathNode[] };
      const name = fn.fn.type === 'SymbolNode' ? (fn.fn as unknown as { name: string }).name : undefined;
      if (name === undefined || !ALLOWED_FUNCTIONS.has(name)) {
        throw new QuorumExpressionError(`function '${name ?? fn.fn.toString()}' is not allowed ${where}; allowed functions: ${[...ALLOWED_FUNCTIONS].join(', ')}`);
      }
      for (const arg of fn.args) check(arg, source, used);
      return;
    }
    default:
      throw new QuorumExpressionError(`${describeNode(node.type)} is not allowed ${where}: use numbers, variables, operators, ?: and the allowed functions`);
  }
}

function describeNode(type: string): string {
  const names: Record<string, string> = {
    AssignmentNode: 'assignment',
    FunctionAssignmentNode: 'a function definition',
    AccessorNode: 'property or index access',
    IndexNode: 'indexing',
    ObjectNode: 'an object literal',
    ArrayNode: 'a matrix or array',
    BlockNode: 'several statements',
    RangeNode: 'a range',
    RelationalNode: 'a chained comparison',
  };
  return names[type] ?? `a ${type}`;
}

/** Compiled expressions by source: every simulation of a protocol compiles its quorum. */
const compiledExpressions = new KeptValues<CompiledQuorumExpression>(256);

/**
 * Parses, checks and compiles a quorum expression (a QuorumExpressionError names what is wrong). The compiled
 * form holds no state between evaluations, so each source is compiled once per process: a simulation is made
 * per trial, and parsing took about a third of a millisecond of each.
 */
export function compileQuorumExpression(source: string): CompiledQuorumExpression {
  return compiledExpressions.get(source, () => compileUncached(source));
}

function compileUncached(source: string): CompiledQuorumExpression {
  if (typeof source !== 'string' || source.trim() === '') throw new QuorumExpressionError('quorum expression must be a non-empty string');
  if (source.length > 2000) throw new QuorumExpressionError('quorum expression is longer than 2000 characters');
  let tree: MathNode;
  try {
    tree = math().parse(source);
  } catch (error) {
    throw new QuorumExpressionError(`quorum expression '${source}' does not parse: ${(error as Error).message}`);
  }
  const used = new Set<QuorumVariable>();
  check(tree, source, used);
  const compiled = tree.compile();
  return {
    source,
    variables: Object.freeze([...used]),
    evaluate(scope: QuorumScope): number {
      const local = new Map<string, number>();
      for (const name of Object.keys(QUORUM_VARIABLES) as QuorumVariable[]) local.set(name, scope[name]);
      const value: unknown = compiled.evaluate(local);
      const number = typeof value === 'boolean' ? Number(value) : value;
      const problem = quorumValueProblem(number);
      if (problem !== undefined) throw new QuorumExpressionError(`quorum expression '${source}' ${problem} (${describeScope(scope)})`);
      return number as number;
    },
  };
}

/** What is wrong with an expression's value as a quorum, or undefined for a finite number >= 0. */
function quorumValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'number') return value !== null && typeof value === 'object' && 'im' in value ? `gives a complex number (${String(value)})` : `gives ${String(value)}, not a number`;
  if (Number.isNaN(value)) return 'gives NaN';
  if (!Number.isFinite(value)) return `gives ${value}`;
  if (value < 0) return `gives a negative quorum (${value})`;
  return undefined;
}

function describeScope(scope: QuorumScope): string {
  const votes = scope.totalVotes === 0 ? 'no votes yet' : `${scope.forVotes} For, ${scope.againstVotes} Against, ${scope.abstainVotes} Abstain`;
  const history = scope.turnoutLast === 0 && scope.turnoutMean === 0 ? 'the first proposal: turnoutLast = turnoutMean = 0' : `turnoutLast ${scope.turnoutLast}, turnoutMean ${scope.turnoutMean}`;
  return `at supply ${scope.supply}, circulating ${scope.circulating}, ${votes}, ${history}, requested ${scope.requested}, treasury ${scope.treasury}`;
}

/**
 * Scopes a running DAO can present: small to large supplies, nothing delegated to all of it, no votes to a
 * landslide either way, the first proposal (no turnout history: turnoutLast = turnoutMean = 0) and later ones,
 * no request or a large one, a full treasury or an empty one.
 */
export function plausibleQuorumScopes(): QuorumScope[] {
  const scopes: QuorumScope[] = [];
  for (const supply of [10_000_000, 1_000, 1_000_000_000]) {
    for (const circulating of [supply, 0.3 * supply, 0]) {
      for (const [f, a, ab, voters] of [[0, 0, 0, 0], [0.05, 0, 0, 10], [0, 0.05, 0, 10], [0.2, 0.1, 0.01, 200]] as const) {
        for (const [last, mean] of [[0, 0], [0.02, 0.03], [0.4, 0.25]] as const) {
          for (const [requested, treasury] of [[0, 20_000_000], [5_000_000, 20_000_000], [1_000_000, 0]] as const) {
            scopes.push({ supply, circulating, forVotes: f * supply, againstVotes: a * supply, abstainVotes: ab * supply, totalVotes: (f + a + ab) * supply, turnoutLast: last, turnoutMean: mean, voters, requested, treasury });
          }
        }
      }
    }
  }
  return scopes;
}

/**
 * Checks an expression over `plausibleQuorumScopes()`: the first scope where it gives NaN, Infinity, a negative
 * or complex number is a QuorumExpressionError naming that scope, so a config is refused before any trial runs.
 */
export function checkQuorumExpression(source: string): void {
  if (checkedSources.has(source)) return;
  const compiled = compileQuorumExpression(source);
  for (const scope of plausibleQuorumScopes()) compiled.evaluate(scope);
  checkedSources.add(source);
}

/** Expressions already checked: protocols are parsed once per env, and an env is made per trial. */
const checkedSources = new Set<string>();
