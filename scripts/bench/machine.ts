/** What machine the bench ran on, for the record. */
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';

export interface MachineInfo {
  cpu: string;
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

export async function machineInfo(): Promise<MachineInfo> {
  return {
    cpu: await cpuModel(),
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
