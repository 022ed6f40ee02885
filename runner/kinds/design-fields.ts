/** Config fields the design-searching kinds (search, loop) share: what CMA-ES may change, and real data's turnout. */
import { z } from 'zod';
import { DESIGN_PARAMETERS, DESIGN_SAFEGUARDS } from '../../envs/dao/design-env.ts';
import { MAX_TURNOUT_SCALE } from '../../generators/turnout.ts';
import { describeValue } from '../schema.ts';

/** What a CMA-ES search over dao/ProtocolDesign-v0's parameters may change, and how it starts (search and loop). */
export const designSearchFields = {
  /**
   * CMA-ES's initial step size, in design-action units (each parameter spans [-1, 1]). Small steps stay
   * near the start (the baseline preset's own parameters); a proposal threshold above what the attacker
   * can buy is a cliff far from it.
   */
  initialStep: z.number().gt(0).max(2).default(0.8),
  /** Which safeguards the search may turn on: all (guardian veto, treasury supermajority), all but the guardian, or none. */
  safeguards: z.enum(DESIGN_SAFEGUARDS).default('all'),
  /** Design parameters the search may not change: held at the baseline preset's own value. */
  hold: z.array(z.enum(DESIGN_PARAMETERS.map((p) => p.name) as [string, ...string[]])).default([]),
};

/**
 * With real data: how mapped members turn out. A Governor event log's voters, mapped onto a population that
 * holds the whole supply and votes all at once, turn out far more than the DAO did: Compound Bravo's about
 * 35 % of supply a proposal against the 7.26 % median of its real proposals. 'calibrated' (the default): the
 * members hold only the share of the supply (the rest passive) at which the trial's fitted generator's
 * populations turn out the log's median on average (generators/turnout.ts; about a fifth for Bravo's voters),
 * at their own participation rates; with a member feature table or 'default' there are no proposals to
 * calibrate to, and they hold all of it. A number: they hold all of it and each one's participation is
 * multiplied by it (capped at 1; 1 = the voters' own rates, as every run before calibration).
 */
export const dataTurnoutScale = z
  .union([z.literal('calibrated'), z.number().gt(0).max(MAX_TURNOUT_SCALE)], {
    error: (issue) => (issue.code === 'invalid_union' ? `must be 'calibrated' or a number in (0, ${MAX_TURNOUT_SCALE}], got ${describeValue(issue.input)}` : undefined),
  })
  .default('calibrated');
/**
 * The total supply of the token whose votes `data` logs (tokens): the real turnout a calibrated population
 * matches is votes cast / it. Default 10,000,000 (COMP: Compound's Governor Alpha and Bravo); Aave
 * governance v2's AAVE is 16,000,000 (../shared/data/governance_token_supplies.csv).
 */
export const dataSupply = z.number().gt(0).default(10_000_000);
/**
 * The median turnout (share of supply a proposal) to calibrate to instead of the one `data`'s proposals give:
 * for a member feature table (from `daogym data import`, which prints it), which holds no proposals.
 */
export const dataTurnout = z.number().gt(0).lt(1).optional();

