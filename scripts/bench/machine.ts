/** What machine the bench ran on, for the record. */
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';

export interface MachineInfo {
  cpu: string;
  /** The CPU's widest float vector instructions and their width, e.g. "AVX-512, 512-bit" (what native code such as OpenBLAS can use; WebAssembly SIMD is 128-bit). */
  vectors: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
}

/** The first "model name" of /proc/cpuinfo, else what Node reports. */
async function cpuModel(): Promise<string> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  return model ?? os.cpus()[0]?.model ?? 'unknown';
}

/** The widest vector extension named in /proc/cpuinfo's flags (x86 and Arm), else "unknown". */
export function vectorWidth(cpuinfo: string): string {
  const flags = new Set((/^(?:flags|Features)\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  if (flags.has('avx512f')) return 'AVX-512, 512-bit';
  if (flags.has('avx2')) return 'AVX2, 256-bit';
  if (flags.has('avx')) return 'AVX, 256-bit';
  if (flags.has('sve')) return 'SVE, 128-bit or wider';
  if (flags.has('sse2')) return 'SSE2, 128-bit';
  if (flags.has('asimd')) return 'NEON, 128-bit';
  return 'unknown';
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return {
    cpu: await cpuModel(),
    vectors: vectorWidth(cpuinfo),
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/**
 * How many cores' worth of CPU the whole machine used over `ms` milliseconds. Called while
 * the bench itself waits idle between runs, it measures what other processes take: a quiet
 * machine gives about 0.
 */
export async function busyCores(ms: number): Promise<number> {
  const sample = () =>
    os.cpus().reduce(
      (acc, cpu) => {
        const { user, nice, sys, irq, idle } = cpu.times;
        return { busy: acc.busy + user + nice + sys + irq, total: acc.total + user + nice + sys + irq + idle };
      },
      { busy: 0, total: 0 },
    );
  const before = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = sample();
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * os.cpus().length : 0;
}
