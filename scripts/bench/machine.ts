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
