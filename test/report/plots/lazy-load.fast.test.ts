import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

test('loading the plots module does not load vega; the first SVG render does', () => {
  const plots = path.resolve(__dirname, '../../../src/report/plots/index.js');
  const script = `
    const loaded = () => Object.keys(require.cache).filter((k) => /node_modules[\\\\/]vega/.test(k)).length;
    const plots = require(${JSON.stringify(plots)});
    const before = loaded();
    plots.terminalChart([{ epoch: 1, epochs: 1, loss: 1, trainAcc: 0.5, testAcc: 0.5, examplesPerSec: 1, trainSeconds: 1 }]);
    const afterTerminal = loaded();
    plots.renderCurvesSvg([], { title: 't' }).then(() => console.log(JSON.stringify([before, afterTerminal, loaded()])));
  `;
  const [before, afterTerminal, afterSvg] = JSON.parse(
    execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }),
  ) as number[];
  assert.equal(before, 0);
  assert.equal(afterTerminal, 0);
  assert.ok(afterSvg > 0);
});
