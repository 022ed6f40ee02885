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
  variables: QuorumVariable[];
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
      if (name in QUORUM_VARIABLES) used.add(name as QuorumVariable);
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

export function compileQuorumExpression(source: string): CompiledQuorumExpression {
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
    variables: [...used],
    evaluate(scope: QuorumScope): number {
      const local = new Map<string, number>();
      for (const name of Object.keys(QUORUM_VARIABLES) as QuorumVariable[]) local.set(name, scope[name]);
      const value: unknown = compiled.evaluate(local);
      const number = typeof value === 'boolean' ? Number(value) : value;
      if (typeof number !== 'number' || Number.isNaN(number)) {
        throw new QuorumExpressionError(`quorum expression '${source}' gave ${String(value)}, not a number`);
      }
      return number;
    },
  };
}
