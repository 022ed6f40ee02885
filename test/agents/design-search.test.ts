import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { protocolDesignExperiment } from '../../agents/experiments/protocol-design.ts';

test('CMA-ES on ProtocolDesign-v0 finds parameters that beat Compound Bravo on held-out seeds (small run)', async () => {
  const result = await protocolDesignExperiment({
    kwargs: { members: 1500 },
    trainSeeds: [0, 1, 2],
    heldOutSeeds: [500, 501, 502, 503, 504, 505],
    maxEvaluations: 90,
    workers: 2,
  });
  assert.ok(result.evaluations >= 90);
  assert.ok(result.heldOut.design.score > result.heldOut.bravo.score, `design ${result.heldOut.design.score} vs Bravo ${result.heldOut.bravo.score}`);
  assert.ok(result.heldOut.design.attackLoss <= result.heldOut.bravo.attackLoss);
});

test.run();
