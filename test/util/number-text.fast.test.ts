/**
 * The one reader of numbers in flag values and variables: plain decimal literals only, so a
 * typo such as "0x0" or a stray space is refused instead of read by Number() as 0 or 0.5.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDecimal, parseWhole } from '../../src/util/number-text';

test('parseDecimal reads plain decimal literals and refuses what Number() would also have taken', () => {
  for (const [text, value] of [['1', 1], ['-2', -2], ['+3', 3], ['0.5', 0.5], ['.5', 0.5], ['5.', 5], ['1e-5', 1e-5], ['2E3', 2000]] as const) {
    assert.equal(parseDecimal(text), value, text);
  }
  for (const text of ['', ' ', ' 0.5', '0.5 ', '0x0', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', '1_000', '1e400', '1,5', '.', 'e5', '1e']) {
    assert.equal(parseDecimal(text), undefined, JSON.stringify(text));
  }
});

test('parseWhole reads digits with an optional sign, within the safe integers', () => {
  assert.deepEqual(['0', '7', '-3', '+12'].map(parseWhole), [0, 7, -3, 12]);
  for (const text of ['1.0', '1e1', ' 1', '0x1', '', '9007199254740993']) assert.equal(parseWhole(text), undefined, JSON.stringify(text));
});
