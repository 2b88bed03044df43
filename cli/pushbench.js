#!/usr/bin/env node
// The `pushbench` command (package.json's bin). What sits beside this file decides what runs:
//   in a source checkout, cli/cli.ts: tsx is registered and the TypeScript source runs, so
//     `npx pushbench` always runs the code as it is now (tsx is a dev dependency);
//   in the installed package, which ships only this file and dist/: the JavaScript that
//     `npm run build` compiled, dist/cli/cli.js, runs with no loader.
import { existsSync } from 'node:fs';

const fromSource = existsSync(new URL('./cli.ts', import.meta.url));
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import(fromSource ? './cli.ts' : '../dist/cli/cli.js');
process.exitCode = await main(process.argv.slice(2));
