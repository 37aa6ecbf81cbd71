/**
 * Loaded into a spawned CLI with `node --require` (runCli's `phases` option sets this up):
 * each time the tool calls one of the functions named in $BNLENET_TEST_PHASES (comma-separated
 * `module#export`, the module's path under src/ without its extension, e.g.
 * `train/evaluate#evaluateSplit`), it first writes that name as one line to the file
 * descriptor $BNLENET_TEST_PHASE_FD. A test can then signal the process the moment it reaches
 * the phase under test, instead of after a delay guessed for some machine's speed.
 *
 * Each function is wrapped in its module's exports once the module's code has run, before
 * anything calls it: a caller in another module reads the function from those exports at each
 * call (as tsc compiles imports), so it calls the wrapper; the tool's code and load order are
 * unchanged.
 * A name that its module does not export as a function ends the CLI with an error (a misspelt
 * module is never announced: a test that waits for it sends no signal, and fails). Without
 * those variables (and in worker threads) this does nothing.
 */
import { writeSync } from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';

export const PHASES_VARIABLE = 'BNLENET_TEST_PHASES';
export const PHASE_FD_VARIABLE = 'BNLENET_TEST_PHASE_FD';

const spec = process.env[PHASES_VARIABLE];
const fd = Number(process.env[PHASE_FD_VARIABLE]);
if (spec && Number.isInteger(fd) && isMainThread) {
  const SRC = path.resolve(__dirname, '..', '..', 'src');
  /** Compiled module file -> the phases in it still to wrap. */
  const pending = new Map<string, { phase: string; name: string }[]>();
  for (const phase of spec.split(',')) {
    const [module, name] = phase.split('#');
    if (!module || !name) throw new Error(`${PHASES_VARIABLE}: ${phase} is not module#export`);
    const file = path.join(SRC, `${module}.js`);
    pending.set(file, [...(pending.get(file) ?? []), { phase, name }]);
  }
  const announce = (phase: string): void => {
    try {
      writeSync(fd, `${phase}\n`);
    } catch {
      // The test stopped listening: nothing to tell.
    }
  };
  // Hooked where a module's code runs, not where it is required: a require from a dependency
  // has that dependency's frame above this hook's, so Node still spares it the deprecation
  // warnings that it shows only for requires from outside node_modules (punycode's).
  const proto = Module.prototype as Module & { _compile(this: Module, ...args: unknown[]): unknown };
  const compile = proto._compile;
  proto._compile = function (this: Module, ...args: unknown[]) {
    const result = compile.apply(this, args);
    const phases = pending.get(this.filename);
    if (phases) {
      pending.delete(this.filename);
      for (const { phase, name } of phases) wrap(this.exports, phase, name);
    }
    return result;
  };
  function wrap(target: Record<string, unknown>, phase: string, name: string): void {
    const original = target[name];
    if (typeof original !== 'function') throw new Error(`${PHASES_VARIABLE}: ${phase}: no such exported function`);
    target[name] = function (this: unknown, ...args: unknown[]) {
      announce(phase);
      return original.apply(this, args);
    };
  }
}
