/**
 * What a sweep found, computed from its cells' results: the counts per status and, per
 * variant (the cells that differ only in lr and seed), the highest learning rate at which
 * every seed learned. What sweep.json holds; report/sweep.ts renders it.
 */
import { CELL_STATUSES, cellLabel, varyingAxes, type CellResult, type CellStatus, type SweepAxes, type SweepAxis } from './sweep';

/** Per variant (the cells that differ only in lr and seed): the highest lr at which every cell learned. */
export interface LearningRateLimit {
  /** "impl=none"; "all cells" when nothing but lr and seed varies. */
  variant: string;
  /** The highest lr at which every seed's cell was ok; null when none was. */
  highestLr: number | null;
  /** The next lr tried above it, and how its cells ended (the first that did not learn). */
  above?: { lr: number; statuses: CellStatus[] };
  /** True while some of the variant's cells are pending or failed: the answer may change. */
  incomplete: boolean;
}

export interface SweepSummary {
  format: 'bnlenet-sweep/1';
  axes: SweepAxes;
  cells: {
    name: string;
    /** The cell's run dir, relative to the sweep dir. */
    dir: string;
    args: CellResult['args'];
    status: CellStatus;
    final: CellResult['final'] | null;
    epochsDone: number;
    message?: string;
  }[];
  counts: Record<CellStatus, number>;
  learningRates: LearningRateLimit[];
}

/** The axes other than lr and seed that vary: a variant is one combination of their values. */
export function variantAxes(axes: SweepAxes): SweepAxis[] {
  return varyingAxes(axes).filter((axis) => axis !== 'lr' && axis !== 'seed');
}

function learningRateLimits(cells: readonly CellResult[], axes: SweepAxes): LearningRateLimit[] {
  const groupAxes = variantAxes(axes);
  const groups = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = cellLabel(cell.args, groupAxes) || 'all cells';
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups].map(([variant, group]) => {
    const lrs = [...new Set(group.map((c) => c.args.lr))].sort((a, b) => a - b);
    const statusesAt = (lr: number) => group.filter((c) => c.args.lr === lr).map((c) => c.status);
    const learned = lrs.filter((lr) => statusesAt(lr).every((s) => s === 'ok'));
    const highestLr = learned.length > 0 ? learned[learned.length - 1]! : null;
    const next = lrs.find((lr) => (highestLr === null || lr > highestLr) && !learned.includes(lr));
    return {
      variant,
      highestLr,
      ...(next !== undefined ? { above: { lr: next, statuses: statusesAt(next) } } : {}),
      incomplete: group.some((c) => c.status === 'pending' || c.status === 'failed'),
    };
  });
}

export function buildSweepSummary(axes: SweepAxes, cells: readonly CellResult[]): SweepSummary {
  const counts = Object.fromEntries(CELL_STATUSES.map((s) => [s, cells.filter((c) => c.status === s).length])) as Record<CellStatus, number>;
  return {
    format: 'bnlenet-sweep/1',
    axes,
    cells: cells.map((c) => ({
      name: c.name,
      dir: c.name,
      args: c.args,
      status: c.status,
      final: c.final ?? null,
      epochsDone: c.epochsDone,
      ...(c.message !== undefined ? { message: c.message } : {}),
    })),
    counts,
    learningRates: learningRateLimits(cells, axes),
  };
}
