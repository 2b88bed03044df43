/** Debian's Chromium for the browser tests: where it is, when to skip, and how it is launched. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot run here. */
export const CHROMIUM = '/usr/bin/chromium';

/** False where Chromium is installed or in CI (where a missing browser must fail), else why the test is skipped. */
export const skipWithoutChromium: false | string =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `${CHROMIUM} not found: install it with \`apt-get install chromium\` to run the browser test`;

/**
 * Launches headless Chromium as root on a machine without a network: no sandbox, no GPU, and none
 * of the background requests whose failed lookups would otherwise slow every start.
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
