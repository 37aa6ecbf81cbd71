/**
 * The files a run set writes beside its runs: compare.json and compare.svg (compare and
 * reproduce), report.md and report.json (reproduce), sweep.json, sweep.md and sweep.svg
 * (sweep). Their content is computed in train/ and rendered by the report layer; the store
 * writes each atomically, the JSON first.
 */
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic-file';
import { COMPARE_JSON, COMPARE_SVG, REPRODUCE_JSON, REPRODUCE_MD, SWEEP_JSON, SWEEP_MD, SWEEP_SVG } from './layout';

export async function writeCompareFiles(dir: string, comparison: object, svg: string): Promise<void> {
  await writeJsonAtomic(path.join(dir, COMPARE_JSON), comparison);
  await writeFileAtomic(path.join(dir, COMPARE_SVG), svg);
}

/** Writes report.md and report.json; returns report.md's path. */
export async function writeReproduceFiles(dir: string, markdown: string, json: object): Promise<string> {
  const report = path.join(dir, REPRODUCE_MD);
  await writeFileAtomic(report, markdown);
  await writeJsonAtomic(path.join(dir, REPRODUCE_JSON), json);
  return report;
}

export async function writeSweepFiles(dir: string, summary: object, markdown: string, svg: string): Promise<void> {
  await writeJsonAtomic(path.join(dir, SWEEP_JSON), summary);
  await writeFileAtomic(path.join(dir, SWEEP_MD), markdown);
  await writeFileAtomic(path.join(dir, SWEEP_SVG), svg);
}
