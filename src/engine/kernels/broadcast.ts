/**
 * Shape analysis shared by the JavaScript elementwise kernels: the "channel broadcast" a
 * convnet does everywhere ([N,H,W,C] op [C], or op [1,1,1,C]), where one operand repeats
 * with a period P along the flat memory of the other.
 */
import { util } from '@tensorflow/tfjs-core';

/**
 * P if `small`, left-padded with 1s to the rank of `out`, is [1,..,1, out[k], .., out[r-1]]
 * for some k > 0 and repeats more than once (1 < P < size of out); else undefined. Then
 * element i of out pairs with element i % P of small.
 */
export function periodOf(small: readonly number[], out: readonly number[]): number | undefined {
  if (small.length > out.length) return undefined;
  const offset = out.length - small.length;
  let k = out.length;
  // Find where the trailing run of matching dims starts.
  while (k > offset && small[k - 1 - offset] === out[k - 1]) k--;
  for (let i = offset; i < k; i++) if (small[i - offset] !== 1) return undefined;
  const period = util.sizeFromShape(out.slice(k));
  const size = util.sizeFromShape(out as number[]);
  return period > 1 && period < size ? period : undefined;
}

/**
 * If `axes` are the leading axes 0..k-1 of a tensor of `shape` (k < rank), the number of
 * contiguous rows reduced and the row length: reducing is summing `outer` rows of `inner`
 * elements. Else undefined.
 */
export function leadingAxes(
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; inner: number } | undefined {
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.length >= shape.length) return undefined;
  for (let i = 0; i < sorted.length; i++) if (sorted[i] !== i) return undefined;
  const outer = util.sizeFromShape(shape.slice(0, sorted.length) as number[]);
  const inner = util.sizeFromShape(shape.slice(sorted.length) as number[]);
  return inner > 1 ? { outer, inner } : undefined;
}
