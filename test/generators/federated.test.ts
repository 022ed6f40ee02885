import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normal } from '../../lib/distributions.ts';
import { Rng } from '../../lib/rng.ts';
import { federatedTrain, type DataHolder, type Weights } from '../../generators/federated.ts';

/** A holder fitting y = w x + b by gradient descent on rows it never shares. */
function linearHolder(name: string, rows: { x: number; y: number }[], learningRate = 0.05): DataHolder {
  return {
    name,
    numExamples: rows.length,
    train(weights: Weights, { epochs, mu, globalWeights }) {
      let w = weights[0]![0]!;
      let b = weights[0]![1]!;
      const anchor = globalWeights[0]!;
      for (let e = 0; e < epochs; e++) {
        let gw = 0;
        let gb = 0;
        for (const { x, y } of rows) {
          const error = w * x + b - y;
          gw += (error * x) / rows.length;
          gb += error / rows.length;
        }
        gw += mu * (w - anchor[0]!);
        gb += mu * (b - anchor[1]!);
        w -= learningRate * gw;
        b -= learningRate * gb;
      }
      return [Float32Array.of(w, b)];
    },
  };
}

function data(rng: Rng, n: number, center: number): { x: number; y: number }[] {
  return Array.from({ length: n }, () => {
    const x = center + normal(rng);
    return { x, y: 3 * x - 1 + 0.1 * normal(rng) };
  });
}

test('FedAvg over non-IID holders reaches the pooled least-squares fit; weights are averaged by example count', async () => {
  const rng = Rng.create(1);
  const holders = [linearHolder('a', data(rng, 200, -2)), linearHolder('b', data(rng, 50, 0)), linearHolder('c', data(rng, 100, 3))];
  const result = await federatedTrain(holders, [new Float32Array(2)], { rounds: 200, localEpochs: 5 });
  assert.ok(Math.abs(result[0]![0]! - 3) < 0.02 && Math.abs(result[0]![1]! + 1) < 0.05, `w, b = ${Array.from(result[0]!)}`);
  // One round with one local step from zero equals the example-weighted average of the holders' steps.
  const one = await federatedTrain(holders, [new Float32Array(2)], { rounds: 1, localEpochs: 1 });
  const steps = await Promise.all(holders.map((h) => h.train([new Float32Array(2)], { round: 0, epochs: 1, mu: 0, globalWeights: [new Float32Array(2)] })));
  const expected = steps.reduce((sum, s, k) => sum + (s[0]![0]! * holders[k]!.numExamples) / 350, 0);
  assert.ok(Math.abs(one[0]![0]! - expected) < 1e-6);
});

test('FedProx keeps local updates near the round weights: less client drift per round', async () => {
  const rng = Rng.create(2);
  const holder = linearHolder('far', data(rng, 100, 5));
  const start = [Float32Array.of(0, 0)];
  const plain = (await holder.train(start, { round: 0, epochs: 50, mu: 0, globalWeights: start }))[0]!;
  const prox = (await holder.train(start, { round: 0, epochs: 50, mu: 1, globalWeights: start }))[0]!;
  assert.ok(Math.hypot(prox[0]!, prox[1]!) < Math.hypot(plain[0]!, plain[1]!));
  await federatedTrain([], start, { rounds: 1, localEpochs: 1 }).then(
    () => assert.unreachable('no holders'),
    (error: Error) => assert.match(error.message, /at least one data holder/),
  );
});

test.run();
