/**
 * The store's insert rate into a database file (WAL, synchronous = NORMAL): trials with 5 metrics each,
 * written in batches with recordTrials, one per transaction with recordTrial (what a coordinator does as
 * results arrive), and redelivered (every trial already there: the idempotency check alone).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../runner/store.ts';
import type { TrialResult } from '../runner/types.ts';
import type { Figure } from './cartpole.ts';

function trial(i: number): TrialResult {
  const seedIndex = i % 10;
  return {
    key: `variant=v${i % 5}|population=default|attack=buy-and-vote|budget=${Math.floor(i / 50) * 1000}`,
    seedIndex,
    seed: 7_919 * seedIndex + 1,
    variant: `v${i % 5}`,
    params: { population: 'default', attack: 'buy-and-vote', budgetUsd: Math.floor(i / 50) * 1000 },
    metrics: {
      attackSuccess: i % 2,
      treasuryLossUsd: i * 1234.5678,
      turnout: 1 / (i + 2),
      quorumMargin: (i % 17) / 17 - 0.5,
      proposalsPassed: i % 9,
    },
    durationMs: 40 + (i % 13),
    worker: 'bench',
  };
}

function withStore<T>(run: (store: Store, runId: string, path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'daogym-bench-store-'));
  const path = join(dir, 'bench.db');
  const store = Store.open(path);
  try {
    const { id } = store.createRun({
      name: 'bench',
      kind: 'compare',
      config: { bench: true },
      configText: 'bench: true\n',
      codeVersion: 'bench',
      backend: 'js',
      machine: 'bench',
      trialsPlanned: 0,
    });
    return run(store, id, path);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function perSecond(count: number, work: () => void): number {
  const start = performance.now();
  work();
  return count / ((performance.now() - start) / 1000);
}

export function benchStore(batched = 20_000, batchSize = 100, single = 3_000): Figure[] {
  const trials = Array.from({ length: batched }, (_, i) => trial(i));
  let bytesPerTrial = 0;
  const batchedRate = withStore((store, runId, path) => {
    const rate = perSecond(batched, () => {
      for (let start = 0; start < batched; start += batchSize) store.recordTrials(runId, trials.slice(start, start + batchSize));
    });
    bytesPerTrial = (statSync(path).size + statSync(`${path}-wal`).size) / batched;
    return rate;
  });
  const singleRate = withStore((store, runId) =>
    perSecond(single, () => {
      for (let i = 0; i < single; i++) store.recordTrial(runId, trials[i]!);
    }),
  );
  const redeliveredRate = withStore((store, runId) => {
    for (let start = 0; start < batched; start += batchSize) store.recordTrials(runId, trials.slice(start, start + batchSize));
    return perSecond(batched, () => {
      for (let start = 0; start < batched; start += batchSize) store.recordTrials(runId, trials.slice(start, start + batchSize));
    });
  });
  return [
    { name: 'runner-store.insert.batched', value: Math.round(batchedRate), unit: 'trials/s', trials: batched, batchSize, metricsPerTrial: 5 },
    { name: 'runner-store.insert.single', value: Math.round(singleRate), unit: 'trials/s', trials: single, metricsPerTrial: 5 },
    { name: 'runner-store.insert.redelivered', value: Math.round(redeliveredRate), unit: 'trials/s', trials: batched, batchSize, note: 'all duplicates: nothing written' },
    { name: 'runner-store.bytes_per_trial', value: Math.round(bytesPerTrial), unit: 'bytes', trials: batched, note: 'db + wal file' },
  ];
}
