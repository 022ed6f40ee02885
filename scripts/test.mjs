#!/usr/bin/env node
// `npm test`: runs every uvu test under test/ (files named *.test.ts) through tsx, streams uvu's
// output, then prints one line `N passed, N failed` (plus `, N skipped` where any). Exits non-zero on
// any failure, on a crash, and when no test ran (uvu itself exits 0 then).
// `npm test -- PATTERN` runs only the test files whose path matches the regular expression PATTERN.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];
const pattern = filter ? `${filter}.*\\.test\\.ts$` : '\\.test\\.ts$';
const uvu = join(root, 'node_modules', 'uvu', 'bin.js');

const child = spawn(process.execPath, ['--import', 'tsx', uvu, 'test', pattern, '--no-color'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});

let output = '';
child.stdout.on('data', (chunk) => {
  const text = chunk.toString();
  output += text;
  process.stdout.write(text);
});

child.on('close', (code, signal) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const number = (label) => {
    const match = new RegExp(`${label}:\\s+(\\d+)`).exec(plain);
    return match ? Number(match[1]) : undefined;
  };
  const total = number('Total');
  const passed = number('Passed');
  const skipped = number('Skipped') ?? 0;
  if (total === undefined || passed === undefined) {
    console.log(`\nthe test run ended before uvu printed its summary (exit code ${code}${signal ? `, signal ${signal}` : ''})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const failed = total - passed;
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  if (total === 0) {
    console.log('no test ran: that is a failure');
    process.exit(1);
  }
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
