/**
 * What the WebGPU route says when something is missing, checked without the stack: the
 * install line pins package.json's versions, each error is one line naming what to do, and
 * Dawn's stderr (as it printed it on this workplace's machines) becomes a short reason.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { BnlenetError } from '../../src/errors';
import { isInstalled } from '../../src/engine';
import { dawnMessages, type AdapterDescription } from '../../src/engine/webgpu-adapter';
import { activateWebgpu, webgpuDevice } from '../../src/engine/webgpu';
import { noAdapterError, noGpuError, WEBGPU_PACKAGES, webgpuInstallCommand } from '../../src/engine/webgpu-errors';

const PEERS = (require('../../../package.json') as { peerDependencies: Record<string, string> }).peerDependencies;

const LLVMPIPE: AdapterDescription = {
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe',
  isFallbackAdapter: true,
};

function assertOneLine(err: BnlenetError): void {
  assert.equal(err.exitCode, 1);
  assert.equal(err.hint, undefined);
  assert.doesNotMatch(err.message, /\n/);
}

test('the install line pins the versions package.json lists, and installed copies are those versions', () => {
  assert.equal(PEERS['@tensorflow/tfjs-backend-webgpu'], '4.22.0');
  assert.match(PEERS['webgpu'] ?? '', /^\d+\.\d+\.\d+$/, 'webgpu is pinned to one version');
  assert.equal(
    webgpuInstallCommand(),
    `npm install --no-save --save-peer @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@${PEERS['webgpu']}`,
  );
  for (const pkg of WEBGPU_PACKAGES.filter(isInstalled)) {
    assert.equal((require(`${pkg}/package.json`) as { version: string }).version, PEERS[pkg], `installed ${pkg}`);
  }
});

test('missing packages: one line with the npm install and --backend wasm, and Dawn is never loaded', async () => {
  await assert.rejects(activateWebgpu(tf, { gpu: false }, () => false, {}), (err: unknown) => {
    assert.ok(err instanceof BnlenetError);
    assertOneLine(err);
    assert.match(err.message, /^--backend webgpu: @tensorflow\/tfjs-backend-webgpu and webgpu are not installed; /);
    assert.ok(err.message.includes(`\`${webgpuInstallCommand()}\``), err.message);
    assert.match(err.message, /--backend wasm/);
    return true;
  });
  const onlyDawn = (pkg: string) => pkg === 'webgpu';
  await assert.rejects(activateWebgpu(tf, { gpu: false }, onlyDawn, {}), /@tensorflow\/tfjs-backend-webgpu is not installed/);
  assert.equal((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu, undefined);
});

test('--gpu without tfjs-node-gpu or the WebGPU packages names both routes in one line', async () => {
  await assert.rejects(activateWebgpu(tf, { gpu: true, cuda: { pkg: '@tensorflow/tfjs-node-gpu' } }, () => false, {}), (err: unknown) => {
    assert.ok(err instanceof BnlenetError);
    assertOneLine(err);
    assert.match(err.message, /^--gpu: no GPU to train on: CUDA needs @tensorflow\/tfjs-node-gpu, which is not installed \(`npm install --no-save --save-peer @tensorflow\/tfjs-node-gpu@4\.22\.0`; .*CUDA 11\.2, cuDNN 8\.1\); WebGPU needs /);
    assert.ok(err.message.includes(webgpuInstallCommand()), err.message);
    assert.match(err.message, /--backend wasm/);
    return true;
  });
});

test('--gpu on a software adapter: not a GPU, and --backend webgpu trains on it', () => {
  const both = noGpuError({ kind: 'software', adapter: LLVMPIPE }, { pkg: '@tensorflow/tfjs-node-gpu' });
  assertOneLine(both);
  assert.match(both.message, /CUDA needs @tensorflow\/tfjs-node-gpu.*; WebGPU found only a software adapter \(llvmpipe: Mesa 25\.0\.7/);
  assert.match(both.message, /train on it anyway with `--backend webgpu` \(without --gpu\)/);
  const webgpuOnly = noGpuError({ kind: 'software', adapter: LLVMPIPE }, undefined);
  assert.doesNotMatch(webgpuOnly.message, /CUDA/);
});

test('the device line names the adapter and marks a software one', () => {
  assert.equal(webgpuDevice(LLVMPIPE), 'webgpu (llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1, software fallback adapter)');
  assert.equal(
    webgpuDevice({ description: '', vendor: 'nvidia', architecture: 'hopper', device: '', isFallbackAdapter: false }),
    'webgpu (nvidia hopper)',
  );
});

test("Dawn's stderr becomes a short reason: locations dropped, context joined, repeats dropped", () => {
  const noDriver = [
    'Warning: loader_get_json: Failed to open JSON file /nonexistent.json',
    'Warning: vkCreateInstance: Found no drivers!',
    'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
    '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)',
    '',
  ].join('\n');
  assert.deepEqual(dawnMessages(noDriver), [
    'loader_get_json: Failed to open JSON file /nonexistent.json',
    'vkCreateInstance: Found no drivers!',
    'vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
  ]);
  const refused = [
    'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    ' - While initializing adapter (backend=BackendType::Vulkan)',
    '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
    'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    ' - While initializing adapter (backend=BackendType::Vulkan)',
  ].join('\n');
  assert.deepEqual(dawnMessages(refused), [
    'Vulkan shaderUniform*ArrayDynamicIndexing required. (While initializing adapter (backend=BackendType::Vulkan))',
  ]);
  const err = noAdapterError({ adapter: null, messages: dawnMessages(noDriver) });
  assertOneLine(err);
  assert.match(err.message, /^--backend webgpu: Dawn found no WebGPU adapter \(loader_get_json: .*; vkCreateInstance: Found no drivers!; /);
  assert.match(err.message, /--backend wasm/);
  assert.match(noAdapterError({ adapter: null, messages: [] }).message, /Dawn gave no reason/);
});
