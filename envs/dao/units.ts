/**
 * Units at the boundaries people touch. Durations in configs carry a unit: `2d`, `36h`, `90m`, `45s`, `1w`
 * or a block count `13140 blocks`; the simulator counts blocks (12 s each, 7,200 a day, as Ethereum since
 * the Merge; a preset may say otherwise). A bare number is refused in configs: `timelock: 7` meant as days
 * would be 7 blocks (84 s).
 */
export const SECONDS_PER_BLOCK = 12;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };

/** The forms a duration may take, for error messages. */
export const DURATION_FORMS = "a duration with a unit: e.g. '2d', '36h', '90m', '1w' or '13140 blocks'";

/**
 * Blocks in a duration string ("2d" -> 14400, "13140 blocks" -> 13140), rounded to whole blocks; an error
 * message when the string is not a duration.
 */
export function parseDuration(text: string, secondsPerBlock = SECONDS_PER_BLOCK): { blocks: number } | { error: string } {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(blocks?|s|min|m|h|d|w)\s*$/i.exec(text);
  if (match === null) return { error: `must be ${DURATION_FORMS}, got '${text}'` };
  const amount = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit.startsWith('block')) {
    if (!Number.isInteger(amount)) return { error: `a block count must be a whole number, got '${text}'` };
    return { blocks: amount };
  }
  return { blocks: Math.round((amount * UNIT_SECONDS[unit]!) / secondsPerBlock) };
}

/** "1.83 d", "36 h", "90 min", "84 s": the largest unit that reads well. */
export function formatTime(blocks: number, secondsPerBlock = SECONDS_PER_BLOCK): string {
  const seconds = blocks * secondsPerBlock;
  const round = (value: number) => String(Number(value.toPrecision(3)));
  if (seconds >= 86_400) return `${round(seconds / 86_400)} d`;
  if (seconds >= 3600) return `${round(seconds / 3600)} h`;
  if (seconds >= 60) return `${round(seconds / 60)} min`;
  return `${round(seconds)} s`;
}

/** "13,140 blocks (1.83 d)": both, as `list presets`, reports and stored configs print durations. */
export function formatDuration(blocks: number, secondsPerBlock = SECONDS_PER_BLOCK): string {
  return `${blocks.toLocaleString('en-US')} block${blocks === 1 ? '' : 's'} (${formatTime(blocks, secondsPerBlock)})`;
}
