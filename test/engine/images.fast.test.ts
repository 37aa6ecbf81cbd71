/**
 * Image bytes to pixel values (src/engine/images.ts): byte / 255 as float32 for every byte
 * value, the same from the project's wasm kernels and from JavaScript, in the shape asked.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine';
import { unitFloatTensor } from '../../src/engine/images';

before(async () => {
  await selectBackend({ backend: 'cpu', gpu: false });
  await selectBackend({ backend: 'wasm', gpu: false });
});

describe('unitFloatTensor', () => {
  for (const backendName of ['wasm', 'cpu']) {
    test(`${backendName}: every byte value gives byte / 255 as float32, in the shape asked`, async () => {
      await tf.setBackend(backendName);
      // 3 copies of 0..255 and 17 more: not a multiple of the kernel's 16 bytes.
      const bytes = Uint8Array.from({ length: 3 * 256 + 17 }, (_, i) => i % 256);
      const t = unitFloatTensor(bytes, [5, 157, 1]);
      assert.deepEqual(t.shape, [5, 157, 1]);
      assert.equal(t.dtype, 'float32');
      const values = t.dataSync();
      for (let i = 0; i < bytes.length; i++) assert.equal(values[i], Math.fround(bytes[i] / 255), `byte ${bytes[i]}`);
      t.dispose();
    });
  }
});
