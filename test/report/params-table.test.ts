/**
 * inspect-params' table: a conv layer's 6 or 16 channels in full, as the book prints them; a
 * dense layer's 120 or 84 units summarized (the first 6, then min, mean and max over all),
 * with the way to see every one, unless asked for all.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { paramsTable } from '../../src/report/params-table';
import type { BatchNormParams } from '../../src/model/batchnorm-params';

function layer(index: number, count: number): BatchNormParams {
  const values = (offset: number) => Array.from({ length: count }, (_, c) => offset + c / 100);
  return { index, name: `bn${index}`, gamma: values(1), beta: values(0), movingMean: values(0.5), movingVariance: values(2) };
}

const rows = (text: string) => text.split('\n').filter((l) => /^\s+(\d+|min|mean|max)\s/.test(l));

test('a 6-channel layer is printed in full; a 120-unit one as its first 6 and a summary, with the way to see all', () => {
  assert.equal(rows(paramsTable([layer(1, 6)])).length, 6);
  const wide = paramsTable([layer(3, 120)], { allChannelsHint: '`bnlenet inspect-params --layer 3 --all-channels`' });
  assert.deepEqual(rows(wide).map((l) => l.trim().split(/\s+/)[0]), ['0', '1', '2', '3', '4', '5', 'min', 'mean', 'max']);
  assert.match(wide, /^ +min +1\.0000 +0\.0000 +0\.5000 +2\.0000$/m);
  assert.match(wide, /^ +max +2\.1900 +1\.1900 +1\.6900 +3\.1900$/m);
  assert.match(wide, /every one of the 120 channels: `bnlenet inspect-params --layer 3 --all-channels`/);
  assert.equal(rows(paramsTable([layer(3, 120)], { allChannels: true })).length, 120);
});
