#!/usr/bin/env node
// `npm test`: runs every uvu test under test/ (files named *.test.ts) through tsx and prints one line
// `N passed, N failed` (plus `, N skipped` where any). Exits non-zero on any failure, on a crash, and when
// no test ran (uvu itself exits 0 then).
// Files run in parallel, one uvu process per file, as many at a time as there are cores (TEST_JOBS
// overrides; most test files are single-threaded, so one process leaves a core idle). The longest files
// start first, by the durations in test/durations.json (seconds on the development machine; a file not
// listed counts as short). Each file's output is printed whole when it ends.
// `npm test -- PATTERN` runs only the test files whose path matches the regular expression PATTERN.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'test');
const filter = process.argv[2];
const pattern = new RegExp(filter ? `${filter}.*\\.test\\.ts$` : '\\.test\\.ts$');
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');
const jobs = Math.max(1, Number(process.env.TEST_JOBS) || availableParallelism());

/** Every *.test.ts under test/, as paths relative to it (what PATTERN is matched against). */
function testFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) found.push(relative(testDir, path));
  }
  return found;
}

let durations = {};
try {
  durations = JSON.parse(readFileSync(join(testDir, 'durations.json'), 'utf8'));
} catch {
  // No hints: files run in name order.
}
const files = testFiles(testDir)
  .filter((file) => pattern.test(file))
  .sort((a, b) => (durations[b] ?? 0) - (durations[a] ?? 0) || a.localeCompare(b));

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');
const number = (text, label) => {
  const match = new RegExp(`${label}:\\s+(\\d+)`).exec(text);
  return match ? Number(match[1]) : undefined;
};

/** One file in its own uvu process: its counts, from uvu's summary. */
function runFile(file) {
  return new Promise((resolve) => {
    const started = performance.now();
    const escaped = file.split('/').pop().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const child = spawn(process.execPath, ['--import', 'tsx', uvu, join('test', dirname(file)), `^${escaped}$`, '--no-color'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk.toString()));
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    child.on('close', (code, signal) => {
      const text = plain(output);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const total = number(text, 'Total');
      const passed = number(text, 'Passed');
      const skipped = number(text, 'Skipped') ?? 0;
      process.stdout.write(`\n=== ${file} (${seconds} s)\n${output}`);
      if (total === undefined || passed === undefined) {
        console.log(`${file}: the run ended before uvu printed its summary (exit code ${code}${signal ? `, signal ${signal}` : ''})`);
        resolve({ total: 1, passed: 0, skipped: 0, crashed: false });
        return;
      }
      // A non-zero exit with every test passed (an error after the tests) counts as one failure.
      resolve({ total, passed, skipped, crashed: code !== 0 && total === passed });
    });
  });
}

const queue = [...files];
const results = [];
await Promise.all(
  Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file));
  }),
);

const total = results.reduce((a, r) => a + r.total, 0);
const passed = results.reduce((a, r) => a + r.passed, 0);
const skipped = results.reduce((a, r) => a + r.skipped, 0);
const failed = total - passed + results.filter((r) => r.crashed).length;
console.log(`\n${files.length} test files, ${Math.max(1, Math.min(jobs, files.length))} at a time`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
if (total === 0) {
  console.log('no test ran: that is a failure');
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
