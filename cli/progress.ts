/**
 * Progress for long runs: a bar with ETA on a TTY (cli-progress, on stderr), otherwise a plain line
 * every 10 % or 15 seconds, so logs of CI and remote jobs stay readable.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../runner/run.ts';

export interface ProgressReporter {
  update(progress: Progress): void;
  stop(): void;
}

export function progressReporter(label: string, quiet = false, unit = 'trials'): ProgressReporter {
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted} | {rate}`, hideCursor: true, stream: process.stderr, etaBuffer: 50, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const startTime = performance.now();
    let startDone = 0;
    return {
      update({ done, total, resumed }) {
        if (!started) {
          bar.start(total, done, { rate: '' });
          started = true;
          startDone = resumed;
        }
        const seconds = (performance.now() - startTime) / 1000;
        bar.update(done, { rate: seconds > 0 ? `${((done - startDone) / seconds).toFixed(1)} ${unit}/s` : '' });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const startTime = performance.now();
  let lastPrint = 0;
  let lastShare = -1;
  return {
    update({ done, total, resumed }) {
      const now = performance.now();
      const share = total > 0 ? done / total : 1;
      if (done === resumed && lastShare < 0 && resumed > 0) console.error(`${label}: resuming, ${resumed}/${total} ${unit} already done`);
      if (done < total && Math.floor(share * 10) === Math.floor(lastShare * 10) && now - lastPrint < 15_000) return;
      lastPrint = now;
      lastShare = share;
      const seconds = (now - startTime) / 1000;
      const rate = (done - resumed) / Math.max(seconds, 1e-9);
      const eta = rate > 0 ? Math.round((total - done) / rate) : NaN;
      console.error(`${label}: ${done}/${total} ${unit} (${(share * 100).toFixed(0)}%), ${seconds.toFixed(0)} s elapsed${Number.isFinite(eta) && done < total ? `, ETA ${eta} s` : ''}`);
    },
    stop() {},
  };
}
