/**
 * Checks a gpu-report.json (see report.ts): exits 0 when it is complete and WebGPU's results
 * equal wasm's within the tolerance, else prints each problem and exits 1.
 *
 *   node dist/scripts/gpu-kit/check-report.js gpu-report.json
 */
import { readFileSync } from 'node:fs';
import { reportProblems } from './report';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: check-report.js FILE\n');
  process.exit(2);
}
let problems: string[];
try {
  problems = reportProblems(JSON.parse(readFileSync(file, 'utf8')));
} catch (err) {
  problems = [`cannot read it: ${err instanceof Error ? err.message : String(err)}`];
}
for (const problem of problems) process.stderr.write(`${file}: ${problem}\n`);
if (problems.length === 0) process.stdout.write(`${file}: complete; WebGPU equals wasm within the tolerance\n`);
process.exit(problems.length === 0 ? 0 : 1);
