#!/usr/bin/env node
// The `daogym` command. The sources are TypeScript: register tsx's loader, then run the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
