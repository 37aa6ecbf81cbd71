import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { TrainReporter, type OutputMode, type ReporterOptions } from '../../src/report/train-reporter';
import { formatFigure } from '../../src/report/train-lines';
import { epochRows } from './plots/fixtures';

function capture(mode: OutputMode, options: ReporterOptions = {}) {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const reporter = new TrainReporter(mode, { showBar: false, ...options, out });
  return { reporter, text: () => text };
}

const END = { runDir: 'r', final: epochRows(2)[1]!, learned: true, lr: 1, examplesPerSec: 1000, device: 'cpu', firstBatchNorm: { name: 'bn1', gamma: [1], beta: [0] } };

test('a labelled reporter prefixes its lines and tags its JSON lines with the run', async () => {
  const text = capture('text', { label: 'custom', showChart: false });
  await text.reporter.observer().onEpochEnd!(epochRows(1)[0]!, epochRows(1));
  assert.equal(text.text(), '[custom] epoch 1/1: loss 1.000, train acc 0.500, test acc 0.500, 1000.0 examples/sec\n');

  const json = capture('json', { label: 'builtin' });
  await json.reporter.observer().onEpochEnd!(epochRows(1)[0]!, epochRows(1));
  json.reporter.finished(END);
  const [epoch, end] = json.text().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([epoch.event, epoch.run, epoch.loss], ['epoch', 'builtin', 1]);
  assert.deepEqual([end.event, end.run], ['end', 'builtin']);
});

test("mode none prints nothing, not even the closing lines", async () => {
  const none = capture('none');
  none.reporter.started({ runDir: 'r', impl: 'custom', model: 'LeNet-BN (custom BatchNorm)', device: 'cpu', examples: 1, epochs: 1, batchSize: 1, lr: 1, seed: 0 });
  await none.reporter.observer().onEpochEnd!(epochRows(1)[0]!, epochRows(1));
  none.reporter.finished(END);
  none.reporter.chart(epochRows(2));
  assert.equal(none.text(), '');
});

test('chart prints the terminal chart of the curves only when asked to (a terminal)', () => {
  const shown = capture('text', { showChart: true });
  shown.reporter.chart(epochRows(5));
  const lines = shown.text().split('\n');
  assert.equal(lines[0], '');
  assert.match(lines[1]!, /^train loss /);
  assert.ok(lines.some((l) => l.startsWith('test acc ')));
  assert.doesNotMatch(shown.text(), /\x1b\[/, 'no colour when the stream is not a terminal');

  const hidden = capture('text', { showChart: false });
  hidden.reporter.chart(epochRows(5));
  assert.equal(hidden.text(), '');
});

test('the closing lines name the model\'s first BatchNorm layer, and a model without BatchNorm shows none', () => {
  const book = capture('text', { showChart: false });
  book.reporter.finished(END);
  assert.match(book.text(), /^gamma \(first BatchNorm layer\): \[1\.0000\]$/m);
  const later = capture('text', { showChart: false });
  later.reporter.finished({ ...END, firstBatchNorm: { name: 'bn3', gamma: [2], beta: [0.5] } });
  assert.match(later.text(), /^beta  \(first BatchNorm layer, bn3\): \[0\.5000\]$/m);
  const plain = capture('text', { showChart: false });
  plain.reporter.finished({ ...END, firstBatchNorm: undefined });
  assert.doesNotMatch(plain.text(), /gamma|beta/);
  assert.match(plain.text(), /^loss 0\.500, train acc/m);
});

test('the suggested report command quotes a run dir with spaces as a shell reads it back', () => {
  const spaced = capture('text', { showChart: false });
  spaced.reporter.finished({ ...END, runDir: "runs/dir with spaces/it's 2" });
  assert.match(spaced.text(), /^charts: bnlenet report --run 'runs\/dir with spaces\/it'\\''s 2'$/m);
  assert.match(spaced.text(), /^saved to runs\/dir with spaces\/it's 2$/m);
});

test('the closing lines wrap at word boundaries on a narrow terminal, and stay whole on a pipe', () => {
  let text = '';
  const tty = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 40 },
  );
  const final = { ...END.final, loss: 2.669, trainAcc: 0.109, testAcc: 0.204 };
  new TrainReporter('text', { showBar: false, showChart: false, out: tty }).finished({ ...END, final });
  const lines = text.split('\n');
  assert.ok(lines.every((l) => l.length <= 40), text);
  assert.ok(lines.includes('loss 2.669, train acc 0.109, test acc') || lines.some((l) => /test acc 0\.204$/.test(l)), text);
  assert.doesNotMatch(text, /0\.\n/, 'no figure cut in two');

  const piped = capture('text', { showChart: false });
  piped.reporter.finished({ ...END, final });
  assert.match(piped.text(), /^loss 2\.669, train acc 0\.109, test acc 0\.204$/m, 'whole for a program to read');
});

test('a diverging loss prints in exponent form, not as 31 digits', () => {
  assert.equal(formatFigure(6.499761259401293e30), '6.50e+30');
  assert.equal(formatFigure(0.27349), '0.273');
  assert.equal(formatFigure(NaN), 'NaN');
  assert.equal(formatFigure(Infinity), 'Infinity');
  const out = capture('text', { showChart: false });
  out.reporter.finished({ ...END, final: { ...END.final, loss: 6.499761259401293e30 } });
  assert.match(out.text(), /^loss 6\.50e\+30, train acc/m);
});
