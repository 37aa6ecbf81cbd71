/**
 * Which WebGPU adapter Dawn (npm `webgpu`) offers on this machine, asked in a child process.
 *
 * When Dawn finds no adapter, its reason (and the Vulkan loader's) is written by native code
 * straight to the process's stderr, where JavaScript cannot read it; `requestAdapter` only
 * resolves to null. Asked in a child, that stderr can be read: the reason goes into the tool's
 * one-line error instead of loose lines above it, and a failed probe leaves nothing of Dawn
 * loaded in the tool's own process.
 *
 * Run as a script (`node dist/src/engine/webgpu-adapter.js`) it prints the adapter as one JSON
 * line and exits 0, or prints `{"adapter":null}` and exits 1: `scripts/setup.sh --webgpu` uses
 * that to decide whether the machine needs a software Vulkan driver.
 */
import { execFile } from 'node:child_process';

export const DAWN_PKG = 'webgpu';

/** The adapter options TensorFlow.js's WebGPU backend asks with (WEBGPU_USE_LOW_POWER_GPU off). */
export const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;

export interface AdapterDescription {
  description: string;
  vendor: string;
  architecture: string;
  device: string;
  /** A software (CPU) implementation such as Mesa's lavapipe or SwiftShader: not a GPU. */
  isFallbackAdapter: boolean;
}

export interface AdapterProbe {
  adapter: AdapterDescription | null;
  /** What Dawn and the Vulkan loader printed, one message per entry (locations dropped). */
  messages: string[];
}

/** The parts of Dawn's Node bindings the project uses. */
export interface DawnGpu {
  requestAdapter(options?: typeof ADAPTER_OPTIONS): Promise<DawnAdapter | null>;
}
interface DawnAdapter {
  info: Partial<AdapterDescription>;
  isFallbackAdapter?: boolean;
}
export interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

/** Loads Dawn's bindings (an ES module, hence import()); the name is a variable so that
 * TypeScript compiles without the optional package. */
export async function loadDawn(): Promise<DawnModule> {
  const specifier: string = DAWN_PKG;
  return (await import(specifier)) as DawnModule;
}

export function describeAdapter(adapter: DawnAdapter): AdapterDescription {
  const info = adapter.info;
  return {
    description: info.description ?? '',
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
}

/** A name for the adapter: its description, else what else it says about itself. */
export function adapterName(adapter: AdapterDescription): string {
  const name = adapter.description || [adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join(' ');
  return name || 'unnamed adapter';
}

/**
 * Dawn's and the Vulkan loader's stderr as messages: "Warning: " dropped, a " - While ..."
 * context line joined to its message, source locations ("    at ...") and repeats dropped.
 */
export function dawnMessages(stderr: string): string[] {
  const messages: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '' || /^at /.test(line)) continue;
    if (line.startsWith('- ') && messages.length > 0) {
      messages[messages.length - 1] += ` (${line.slice(2)})`;
      continue;
    }
    messages.push(line.replace(/^Warning:\s*/, ''));
  }
  return [...new Set(messages)];
}

/**
 * Asks Dawn for an adapter in a child process with this process's environment. Resolves with
 * the adapter (or null) and what Dawn printed; rejects only when the child cannot run at all.
 */
export function probeAdapter(timeoutMs = 60_000): Promise<AdapterProbe> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const messages = dawnMessages(stderr);
      const reply = stdout.trim().split('\n').pop() ?? '';
      try {
        const { adapter } = JSON.parse(reply) as { adapter: AdapterDescription | null };
        resolve({ adapter, messages });
      } catch {
        const why = err?.killed ? `no answer within ${timeoutMs / 1000} s` : messages.join('; ') || String(err);
        reject(new Error(`the WebGPU adapter probe failed: ${why}`));
      }
    });
  });
}

/** The child's side: one JSON line on stdout; exit 0 with an adapter, 1 without. */
async function probeHere(): Promise<void> {
  const dawn = await loadDawn();
  const adapter = await dawn.create([]).requestAdapter(ADAPTER_OPTIONS);
  process.stdout.write(`${JSON.stringify({ adapter: adapter ? describeAdapter(adapter) : null })}\n`);
  process.exitCode = adapter ? 0 : 1;
}

if (require.main === module) {
  probeHere().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
