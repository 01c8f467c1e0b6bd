import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Debian Chromium (`CHROMIUM_PATH` elsewhere; scripts/ensure-test-tools.mjs installs it),
 * with its own background traffic (updates, safe browsing) off: the browser tests assert that
 * nothing is fetched from any host but the service.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
