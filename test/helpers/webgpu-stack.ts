/**
 * Whether the optional WebGPU stack is here: both packages (`bash scripts/setup.sh --webgpu`)
 * and an adapter Dawn accepts (a GPU, or Mesa's lavapipe). In CI (CI set, as .ci/run does) a
 * missing stack fails the test: the WebGPU route must be proven there. Elsewhere the test is
 * skipped with a line on stderr saying why and what to install.
 */
import type { TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { isInstalled } from '../../src/engine';
import { probeAdapter, type AdapterDescription } from '../../src/engine/webgpu-adapter';
import { WEBGPU_PACKAGES } from '../../src/engine/webgpu-errors';

let found: Promise<{ adapter?: AdapterDescription; missing?: string }> | undefined;

function findStack(): Promise<{ adapter?: AdapterDescription; missing?: string }> {
  found ??= (async () => {
    const absent = WEBGPU_PACKAGES.filter((p) => !isInstalled(p));
    if (absent.length > 0) return { missing: `${absent.join(' and ')} not installed` };
    const probe = await probeAdapter();
    if (!probe.adapter) return { missing: `Dawn found no adapter (${probe.messages.join('; ')})` };
    return { adapter: probe.adapter };
  })();
  return found;
}

/** The adapter, or undefined after skipping `t` (failing it when CI is set). */
export async function webgpuAdapterOrSkip(t: TestContext): Promise<AdapterDescription | undefined> {
  const { adapter, missing } = await findStack();
  if (adapter) return adapter;
  const why = `the WebGPU stack is missing: ${missing}; install it with \`bash scripts/setup.sh --webgpu\``;
  if (process.env.CI) assert.fail(`CI is set, so WebGPU tests must run, but ${why}`);
  process.stderr.write(`SKIPPED (${t.name}): ${why}\n`);
  t.skip(why);
  return undefined;
}
