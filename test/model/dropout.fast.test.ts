/**
 * The seeded dropout layer: in training it zeroes about `rate` of the units and scales the
 * rest by 1 / (1 - rate); its masks follow from (seed, step), a new one each step, and a layer
 * restored from its saved config continues the sequence; in inference it passes its input.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { SeededDropout } from '../../src/model/dropout-layer';

const ones = () => tf.ones([100, 120]);
const values = (t: tf.Tensor) => Array.from(t.dataSync());

test('training: about rate of the units are zeroed, the others scaled by 1 / (1 - rate); inference passes through', async () => {
  await tf.setBackend('cpu');
  const layer = new SeededDropout({ rate: 0.25, seed: 7 });
  const y = values(layer.apply(ones(), { training: true }) as tf.Tensor);
  const zeroed = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(zeroed - 0.25) < 0.02, `zeroed ${zeroed}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
  assert.deepEqual(values(layer.apply(ones(), { training: false }) as tf.Tensor), values(ones()));
  assert.equal(layer.masksDrawn, 1, 'inference drew no mask');
});

test('a new mask each step, the same sequence from the same seed, continued by a layer restored from its config', async () => {
  await tf.setBackend('cpu');
  const a = new SeededDropout({ rate: 0.5, seed: 3 });
  const first = values(a.apply(ones(), { training: true }) as tf.Tensor);
  const restored = new SeededDropout(a.getConfig() as unknown as ConstructorParameters<typeof SeededDropout>[0]);
  const second = values(a.apply(ones(), { training: true }) as tf.Tensor);
  assert.notDeepEqual(second, first, 'each step draws another mask');
  assert.deepEqual(values(restored.apply(ones(), { training: true }) as tf.Tensor), second, 'the restored layer draws the next mask');
  const again = new SeededDropout({ rate: 0.5, seed: 3 });
  assert.deepEqual(values(again.apply(ones(), { training: true }) as tf.Tensor), first, 'same seed, same first mask');
  const other = new SeededDropout({ rate: 0.5, seed: 4 });
  assert.notDeepEqual(values(other.apply(ones(), { training: true }) as tf.Tensor), first, 'another seed, another mask');
});

test('rates outside [0, 1) are refused', () => {
  assert.throws(() => new SeededDropout({ rate: 1, seed: 0 }), RangeError);
  assert.throws(() => new SeededDropout({ rate: -0.1, seed: 0 }), RangeError);
});
