/** Shipped configs shrunk to seconds for tests (the behaviour lock, the browser check of reports). */
/** Each kind's config shrunk to seconds; the rest of the config (presets, attacks, options) is kept. */
export function shrink(config: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(config);
  c.seeds = 1;
  switch (c.kind) {
    case 'compare':
    case 'stress':
      c.populations = (c.populations as { members?: number }[] | undefined)?.map((p) => ({ ...p, members: Math.min(p.members ?? 2000, 300) }));
      if (c.kind === 'stress') (c.stress as { values: number[] }).values = (c.stress as { values: number[] }).values.slice(0, 3);
      break;
    case 'train':
      c.agent = { ...(c.agent as object), totalTimesteps: 1024, numEnvs: 2, numSteps: 32 };
      c.evalEpisodes = 2;
      (c.envKwargs as { members?: number }).members = 200;
      break;
    case 'search':
      Object.assign(c, { members: 200, maxEvaluations: 10, trainSeasons: 1, heldOutSeasons: 2, trainPopulations: 1, heldOutPopulations: 2 });
      break;
    case 'loop':
      Object.assign(c, { rounds: 2, populationsPerRound: 4, members: 200 });
      c.protocolSearch = { ...(c.protocolSearch as object), maxEvaluations: 10, populations: 1 };
      c.heldOut = { ...(c.heldOut as object), populations: 2, seasons: 1 };
      break;
  }
  return c;
}

