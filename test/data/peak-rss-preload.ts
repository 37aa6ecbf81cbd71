/**
 * Loaded into a spawned CLI with `node --require` (through NODE_OPTIONS): at exit, writes the
 * process's peak resident set size in bytes to $BNLENET_TEST_PEAK_RSS_FILE, so that a test
 * can hold a run's memory to a bound. Without that variable it does nothing (node --test
 * also loads this file as a test file).
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BNLENET_TEST_PEAK_RSS_FILE;
if (target) {
  // maxRSS is in kilobytes.
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
}
