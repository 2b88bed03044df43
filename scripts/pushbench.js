#!/usr/bin/env node
// The `pushbench` command: loads TypeScript through tsx, then hands over to scripts/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
