/**
 * Output that fits the terminal: the progress line at any width keeps the loss and the time
 * left in view (the bar shrinks first), redraws at a new width after a resize, prose wraps
 * at commas, and the ETA clock's arithmetic.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EtaClock, formatDuration } from '../../src/report/eta';
import { ProgressLine, progressText, type ProgressState } from '../../src/report/progress-line';
import { fitLines, outputWidth, wrapText } from '../../src/report/terminal-width';

const STATE: ProgressState = {
  label: 'epoch 3/10',
  fraction: 0.5,
  parts: ['loss 0.412', 'run 1:02 left', '120/235 batches', 'epoch 0:05 left'],
};

test('the progress line fits every width, shrinking the bar before dropping parts, the loss and run ETA last', () => {
  const wide = progressText(STATE, 200);
  assert.match(wide, /^epoch 3\/10 \[█{15}░{15}\] \| loss 0\.412 \| run 1:02 left \| 120\/235 batches \| epoch 0:05 left$/);
  for (const width of [40, 50, 60, 80, 100]) {
    const text = progressText(STATE, width);
    assert.ok(text.length < width, `${width}: ${text.length} chars: ${text}`);
    assert.match(text, /loss 0\.412/, `${width}: ${text}`);
  }
  // At 80 columns everything but the bar's full length fits.
  assert.match(progressText(STATE, 80), /\[█+░+\] \| loss 0\.412 \| run 1:02 left \| 120\/235 batches$/);
  assert.match(progressText(STATE, 60), /\| run 1:02 left$/);
  const bar = (text: string) => /\[([█░]+)\]/.exec(text)?.[1]!.length ?? 0;
  assert.ok(bar(progressText(STATE, 60)) >= 10 && bar(progressText(STATE, 60)) < bar(wide));
});

class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = 100;
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
}

test('a resized terminal gets the line redrawn at its new width; clear erases it', () => {
  const terminal = new FakeTerminal();
  const line = new ProgressLine(terminal as unknown as NodeJS.WriteStream);
  line.update(STATE);
  const visible = (s: string) => s.replace(/\r|\x1b\[K/g, '');
  assert.ok(visible(terminal.written.at(-1)!).length >= 90);
  terminal.columns = 45;
  terminal.emit('resize');
  const redrawn = visible(terminal.written.at(-1)!);
  assert.ok(redrawn.length < 45, redrawn);
  assert.match(redrawn, /loss 0\.412/);
  line.clear();
  assert.equal(terminal.written.at(-1), '\r\x1b[K');
  terminal.emit('resize');
  assert.equal(terminal.written.at(-1), '\r\x1b[K', 'no redraw after clear');
});

test('width: a terminal\'s columns, else $COLUMNS, else unlimited', () => {
  assert.equal(outputWidth(new FakeTerminal() as unknown as NodeJS.WritableStream, {}), 100);
  const pipe = { isTTY: false } as unknown as NodeJS.WritableStream;
  assert.equal(outputWidth(pipe, { COLUMNS: '64' }), 64);
  assert.equal(outputWidth(pipe, {}), undefined);
  assert.equal(outputWidth(pipe, { COLUMNS: 'wide' }), undefined);
});

test('prose wraps after ", " with an indent, and is left whole without a width', () => {
  const text = 'training LeNet-BN (custom BatchNorm) on 60000 examples: 10 epochs, batch 256, lr 1, seed 0, on cpu (wasm, SIMD, 2 threads)';
  assert.deepEqual(wrapText(text, undefined), [text]);
  const lines = wrapText(text, 60);
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => l.length <= 60), lines.join('\n'));
  assert.ok(lines.slice(1).every((l) => l.startsWith('  ')));
  assert.deepEqual(wrapText('alpha beta, gamma delta, epsilon', 20), ['alpha beta,', '  gamma delta,', '  epsilon']);
  assert.equal(lines.map((l) => l.trim()).join(' '), text);
});

test('the ETA clock: batch rate from the second batch, evaluation time once timed, later runs of the command', () => {
  let now = 0;
  const clock = new EtaClock({ epochs: 3, batches: 10 }, { index: 0, count: 2 }, () => now);
  clock.epochStarted(1, 0);
  clock.batchDone(1);
  assert.equal(clock.remaining(), undefined, 'one batch times nothing');
  for (let b = 2; b <= 10; b++) {
    now += 0.5;
    clock.batchDone(b);
  }
  now += 2; // evaluation
  clock.epochEnded();
  clock.epochStarted(2, 0);
  const left = clock.remaining()!;
  // 10 batches at 0.5 s plus 2 s of evaluation per epoch: 2 epochs left in this run, 3 in the next.
  assert.equal(left.epoch, 5);
  assert.equal(left.run, 5 + 2 + 7);
  assert.equal(left.command, 14 + 3 * 7);
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(65.4), '1:05');
  assert.equal(formatDuration(7), '0:07');
});

/** Every word of `text` whole in `lines`: wrapping added line breaks and indents, nothing else. */
function assertWordsWhole(lines: string[], text: string): void {
  assert.deepEqual(lines.join(' ').split(/\s+/).filter(Boolean), text.split(/\s+/).filter(Boolean), lines.join('\n'));
}

test('at 40 columns lines break only between words, and a word longer than a line stays whole', () => {
  for (const text of [
    'cell 4/6: impl=none,lr=10: no-learning, loss 0.905, train acc 0.100, test acc 0.100',
    'loss 2.669, train acc 0.109, test acc 0.204',
    'saved sweep.json, sweep.md and sweep.svg in runs/a-rather-long-directory-name-of-more-than-forty-characters',
  ]) {
    const lines = wrapText(text, 40);
    assertWordsWhole(lines, text);
    for (const line of lines) assert.ok(line.length <= 40 || !line.trim().includes(' '), `only an unbreakable word overflows: ${line}`);
  }
});

test('help text is fitted line by line at word boundaries, keeping each line\'s indent', () => {
  const help = [
    'Options:',
    '  --recompute-stats [n]  also evaluate with BatchNorm statistics recomputed over n training images',
    '  # the learning-rate sweep with and without BatchNorm (6 cells; 5 epochs on 10,000 images)',
  ].join('\n');
  assert.equal(fitLines(help, undefined), help);
  const fitted = fitLines(help, 40).split('\n');
  assert.ok(fitted.every((l) => l.length <= 40), fitted.join('\n'));
  assertWordsWhole(fitted, help);
  assert.ok(fitted.slice(1).every((l) => l.startsWith('  ')), fitted.join('\n'));
});
