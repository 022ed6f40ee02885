#!/usr/bin/env node
// `npm run build` (and npm's `prepare`, so `npm pack` and git installs get it): compiles the library and the CLI
// to dist/ (ES modules with `.d.ts` beside them) with tsconfig.build.json. dist/ is emptied first so that a
// deleted source leaves no stale module behind. The checkout itself runs the TypeScript sources under tsx and
// never reads dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch (error) {
  if (error?.code !== 'MODULE_NOT_FOUND') throw error;
  // Installed as a dependency without its devDependencies: the package already ships dist/.
  if (existsSync(join(root, 'dist', 'index.js'))) process.exit(0);
  console.error('daogym build: typescript is not installed (npm install in the checkout installs it)');
  process.exit(1);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
