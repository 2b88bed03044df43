#!/usr/bin/env node
// The `pushbench` command: loads TypeScript through tsx, then hands over to cli/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
