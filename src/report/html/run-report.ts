/**
 * The report of one run, and of a compare or reproduce dir (its runs overlaid): which charts,
 * in what order, with the words that say what each one teaches.
 */
import type { Chart, Page, Section } from './page';
import { paragraph, table } from './page';
import type { RecomputedComparison, RunReportData } from './report-data';
import { curvesSpec, histogramsSpec, movingVsRecomputedSpec, paramsSpec } from './run-charts';
import { shellCommand } from '../../util/shell-quote';

const f3 = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value.toFixed(3) : '-');

function recipe(run: RunReportData): string {
  const a = run.args;
  const examples = a.limit === undefined ? 'all 60,000 training images' : `the first ${a.limit} training images`;
  return `${a.epochs} epochs, batch ${a.batchSize}, lr ${a.lr}, seed ${a.seed}, ${examples}`;
}

function kindOf(run: RunReportData): string {
  return `${run.args.impl} BatchNorm`;
}

function finalRow(run: RunReportData): string[] {
  const last = run.metrics[run.metrics.length - 1];
  return [
    run.label ?? kindOf(run),
    `${run.metrics.length}/${run.args.epochs}`,
    f3(last?.loss),
    f3(last?.trainAcc),
    f3(last?.testAcc),
    run.examplesPerSec === undefined ? '-' : run.examplesPerSec.toFixed(1),
  ];
}

const FINAL_HEADER = ['run', 'epochs', 'loss', 'train acc', 'test acc', 'examples/sec'];

function isComputed(value: RunReportData['recomputed']): value is RecomputedComparison {
  return value !== undefined && !('skipped' in value);
}

function recomputedRows(runs: readonly RunReportData[]): string[][] {
  return runs.flatMap((run) => {
    if (!isComputed(run.recomputed)) return [];
    const r = run.recomputed;
    return [[run.label ?? kindOf(run), f3(r.moving.loss), f3(r.moving.accuracy), f3(r.recomputed.loss), f3(r.recomputed.accuracy), String(r.images)]];
  });
}

const RECOMPUTED_HEADER = ['run', 'test loss (moving)', 'test acc (moving)', 'test loss (recomputed)', 'test acc (recomputed)', 'images'];

function trainingSection(run: RunReportData): Section {
  return {
    heading: 'Training',
    html: table([FINAL_HEADER, finalRow(run)]),
    charts: [
      {
        title: `Training curves: ${kindOf(run)}`,
        caption:
          'The book\'s plot: train loss and train accuracy come from the training-mode forward passes of each epoch ' +
          '(BatchNorm on batch statistics), test accuracy from inference on the 10,000 test images with the moving ' +
          'averages. At lr 1.0 test accuracy jumps from epoch to epoch while the training curves move smoothly: ' +
          'judge the run by loss and train accuracy.',
        spec: curvesSpec([{ metrics: run.metrics }]),
      },
    ],
  };
}

function paramsSection(run: RunReportData): Section {
  const withLayers = run.params.some((record) => record.layers.length > 0);
  if (!withLayers) {
    return {
      heading: 'BatchNorm parameters',
      html: paragraph(run.params.length === 0 ? 'This run has no params.jsonl (a run from before it was written).' : 'This network has no BatchNorm layer, so it has no gamma or beta.', 'note'),
      charts: [],
    };
  }
  return {
    heading: 'BatchNorm parameters over the epochs',
    charts: [
      {
        title: 'gamma and beta of each BatchNorm layer, one line per channel',
        caption:
          'Every channel starts at gamma 1 and beta 0 (epoch 0). Training moves them where the next layer wants its ' +
          'input: a channel whose gamma grows is amplified, one whose gamma shrinks toward 0 is being switched off, and ' +
          'beta moves the channel along the sigmoid that follows, from its linear middle toward saturation.',
        spec: paramsSpec(run.params),
      },
    ],
  };
}

function activationsSection(run: RunReportData): Section {
  const positions = [...new Set(run.activations.flatMap((record) => record.layers.map((l) => l.position)))].sort();
  if (positions.length === 0) {
    return { heading: 'Activations', html: paragraph('This run has no activations.jsonl (a run from before it was written).', 'note'), charts: [] };
  }
  const charts: Chart[] = positions.map((position) => {
    const layer = run.activations[0]!.layers.find((l) => l.position === position);
    const hasBatchNorm = layer?.post !== undefined;
    return {
      title: hasBatchNorm
        ? `Position ${position} (${layer!.name}): distribution of the BatchNorm's input and output per epoch`
        : `Position ${position} (${layer?.name ?? '?'}, no BatchNorm): distribution of the layer's output per epoch`,
      caption: hasBatchNorm
        ? 'Each row is one epoch\'s histogram of all values over the probe batch (256 fixed training images, ' +
          'training mode), darker where more values fall. The input\'s centre and spread drift with the weights below ' +
          'it. The output is that input normalized per channel, then scaled by gamma and shifted by beta: its shape ' +
          'changes only as gamma and beta are learned, not with every step of the weights below.'
        : 'Each row is one epoch\'s histogram of the layer\'s output over the probe batch. Without BatchNorm nothing ' +
          'recentres it: compare its drift with a run that has BatchNorm at this position.',
      spec: histogramsSpec(run.activations, position),
    };
  });
  return {
    heading: 'What each BatchNorm receives and gives',
    html: paragraph(
      'The probe batch is the same 256 training images at every epoch, drawn from the seed; it is measured in ' +
        'training mode (BatchNorm on its own statistics) without changing the moving averages.',
    ),
    charts,
  };
}

function recomputedSection(runs: readonly RunReportData[]): Section {
  const computed = runs.filter((run) => isComputed(run.recomputed));
  const skipped = runs.flatMap((run) => (run.recomputed && 'skipped' in run.recomputed ? [`${run.label ?? run.dir}: ${run.recomputed.skipped}`] : []));
  const html = [
    paragraph(
      'At inference BatchNorm uses the moving averages that training kept (momentum 0.9): they mix statistics of ' +
        'the weights of the last few hundred steps. "Precise BatchNorm" (Wu and Johnson 2021) recomputes each ' +
        'layer\'s mean and variance with the final weights over many training images; the difference in test ' +
        'accuracy is what the lag of the moving averages costs.',
    ),
    computed.length > 0 ? table([RECOMPUTED_HEADER, ...recomputedRows(computed)]) : '',
    ...skipped.map((line) => paragraph(`Not recomputed: ${line}`, 'note')),
  ].join('');
  return {
    heading: 'Moving averages against recomputed statistics',
    html,
    charts: computed.map((run) => ({
      title: `Final moving averages against statistics recomputed with the final weights${run.label ? `: ${run.label}` : ''}`,
      caption:
        'One point per channel and layer; on the dashed line the moving average equals the recomputed value. ' +
        'Points off the line are channels whose moving average still trails the weights.',
      spec: movingVsRecomputedSpec(run.recomputed as RecomputedComparison),
    })),
  };
}

export function runPage(run: RunReportData): Page {
  const device = run.device ? `, on ${run.device}` : '';
  return {
    title: `LeNet-BN run report: ${kindOf(run)}`,
    lead: [`Run ${run.dir}`, `${recipe(run)}${device}`],
    sections: [trainingSection(run), paramsSection(run), activationsSection(run), ...(run.recomputed ? [recomputedSection([run])] : [])],
  };
}

/** A compare or reproduce dir: its runs on shared charts. */
export function comparePage(kind: string, dir: string, runs: readonly RunReportData[]): Page {
  const labels = runs.map((run) => run.label ?? run.args.impl);
  const sections: Section[] = [
    {
      heading: 'Training',
      html: table([FINAL_HEADER, ...runs.map(finalRow)]),
      charts: [
        {
          title: `Training curves: ${labels.join(' and ')} overlaid`,
          caption:
            `Color and dash are the metric, as on every chart of bnlenet; the marker is the run (${labels[0]} filled, ` +
            `${labels.slice(1).join(', ')} hollow around it). Where only one line shows, the runs coincide: the two ` +
            'BatchNorms compute the same function from the same initial weights and data order, so they part only by ' +
            'floating-point rounding.',
          spec: curvesSpec(runs.map((run, i) => ({ label: labels[i], metrics: run.metrics }))),
        },
      ],
    },
  ];
  const firstLayer = runs.map((run, i) => ({ label: labels[i]!, records: run.params.map((r) => ({ epoch: r.epoch, layers: r.layers.slice(0, 1) })) }));
  if (firstLayer.every((run) => run.records.some((r) => r.layers.length > 0))) {
    sections.push({
      heading: 'The first BatchNorm layer over the epochs',
      charts: [
        {
          title: `gamma and beta of the first BatchNorm layer, ${labels.join(' and ')}`,
          caption: 'The book inspects this layer\'s 6 gammas and betas. Color is the channel, the line the run (solid: ' +
            `${labels[0]}, dashed: the other); a dashed line over a solid one means both runs learned the same parameters.`,
          spec: paramsSpec([], firstLayer),
        },
      ],
    });
  }
  if (runs.some((run) => run.recomputed)) sections.push(recomputedSection(runs));
  return {
    title: `LeNet-BN ${kind} report: ${labels.join(' and ')}`,
    lead: [`${kind} dir ${dir}`, `${recipe(runs[0]!)}${runs[0]!.device ? `, on ${runs[0]!.device}` : ''}`, `Each run has its own report: ${shellCommand('bnlenet', 'report', '--run', dir)}/<run>.`],
    sections,
  };
}
