/**
 * tf.fused.conv2d with a gradient that computes only what the tape needs.
 *
 * tfjs-layers' Conv2D with a bias runs tf.fused.conv2d, whose gradient is a tf.customGrad
 * that computes the input gradient, the filter gradient and the bias gradient all at once.
 * For the first layer of a network, whose input is the data, the input gradient (a full
 * Conv2DBackpropInput, about a tenth of a LeNet training step on wasm) is computed and then
 * thrown away: the engine prunes inputs that lead to no trainable variable only by not
 * calling their gradient closures, and customGrad's closures just return values already
 * computed.
 *
 * Here the op runs the same FusedConv2D kernel as a plain kernel call (engine.runKernel),
 * and a gradient registered for FusedConv2D returns one lazy closure per input, as tfjs-core's
 * gradients of ordinary kernels do; the engine calls only those of inputs on the tape. The
 * closures run the same kernels with the same arguments as tfjs-core's fused gradient
 * (Conv2DBackpropInput, Conv2DBackpropFilter, Sum over all axes but the last), so forward
 * values and gradients are unchanged bit for bit.
 *
 * Only the case tfjs-layers uses for LeNet takes this path: float32 tensors of rank 4 with a
 * 4-d filter, optional bias of shape [outChannels], NHWC, dilations 1, linear
 * activation (tfjs-core fuses nothing else while recording gradients anyway). Everything else
 * goes to tfjs-core's op unchanged, as do backends not named in `enableFusedConv2dGradient`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedConv2D,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
} from '@tensorflow/tfjs-core';

type FusedConv2dOp = typeof tf.fused.conv2d;
type FusedConv2dArgs = Parameters<FusedConv2dOp>[0];

interface Conv2dAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation: 'linear';
  leakyreluAlpha?: number;
}

const enabledBackends = new Set<string>();
let stockOp: FusedConv2dOp | undefined;

const gradient: GradConfig = {
  kernelName: FusedConv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const dyT = dy as Tensor;
    const { strides, pad, dimRoundingMode } = attrs as unknown as Conv2dAttrs;
    const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode } as unknown as NamedAttrMap;
    return {
      x: () =>
        tf.engine().runKernel(Conv2DBackpropInput, { dy: dyT, filter }, {
          ...common,
          inputShape: x.shape,
        } as unknown as NamedAttrMap) as Tensor,
      filter: () =>
        tf.engine().runKernel(Conv2DBackpropFilter, { x, dy: dyT }, {
          ...common,
          filterShape: filter.shape,
        } as unknown as NamedAttrMap) as Tensor,
      bias: () => tf.sum(dyT, [0, 1, 2]),
    };
  },
};

function isOne(v: [number, number] | number | undefined): boolean {
  return v == null || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
}

function handled(args: FusedConv2dArgs): boolean {
  const { x, filter, bias, dataFormat, dilations, activation, preluActivationWeights } = args;
  if (!enabledBackends.has(tf.getBackend())) return false;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor)) return false;
  if (x.rank !== 4 || filter.rank !== 4 || x.dtype !== 'float32' || filter.dtype !== 'float32') return false;
  if (x.shape[3] !== filter.shape[2]) return false;
  if ((dataFormat ?? 'NHWC') !== 'NHWC' || !isOne(dilations)) return false;
  if ((activation ?? 'linear') !== 'linear' || preluActivationWeights != null) return false;
  if (bias != null) {
    if (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32') return false;
    if (bias.rank !== 1 || bias.shape[0] !== filter.shape[3]) return false;
  }
  return true;
}

function fusedConv2d(args: FusedConv2dArgs): Tensor {
  if (!stockOp) throw new Error('internal: fused conv2d installed without the stock op');
  if (!handled(args)) return stockOp(args) as Tensor;
  const { x, filter, bias, strides, pad, dimRoundingMode } = args;
  const inputs: Record<string, Tensor> = { x: x as Tensor, filter: filter as Tensor };
  if (bias != null) inputs.bias = bias as Tensor;
  const attrs: Conv2dAttrs = {
    strides,
    pad: pad as Conv2dAttrs['pad'],
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode,
    activation: 'linear',
  };
  return tf.engine().runKernel(FusedConv2D, inputs, attrs as unknown as NamedAttrMap) as Tensor;
}

/**
 * Routes tf.fused.conv2d (as tfjs-layers calls it) through FusedConv2D with the pruning
 * gradient on `backendName`. Idempotent.
 */
export function enableFusedConv2dGradient(backendName: string): void {
  enabledBackends.add(backendName);
  if (tf.getGradient(FusedConv2D) !== gradient) tf.registerGradient(gradient);
  if (tf.fused.conv2d !== (fusedConv2d as unknown as FusedConv2dOp)) {
    stockOp = tf.fused.conv2d;
    (tf.fused as { conv2d: FusedConv2dOp }).conv2d = fusedConv2d as unknown as FusedConv2dOp;
  }
}

/** Stops routing `backendName` (or every backend) through it; tfjs-core's op runs instead. */
export function disableFusedConv2dGradient(backendName?: string): void {
  if (backendName === undefined) enabledBackends.clear();
  else enabledBackends.delete(backendName);
}

/** Whether tf.fused.conv2d on `backendName` takes this module's path. */
export function fusedConv2dGradientEnabled(backendName: string): boolean {
  return enabledBackends.has(backendName) && tf.fused.conv2d === (fusedConv2d as unknown as FusedConv2dOp);
}
