import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadlineSeconds, withDeadline } from '../../src/data/deadline';

test('the deadline fires on time and says it expired; an interrupt fires it without expiring', async () => {
  const started = Date.now();
  const expired = await withDeadline(100, new AbortController().signal, async (deadline) => {
    await assert.rejects(sleep(5_000, undefined, { signal: deadline.signal }), { name: 'AbortError' });
    return deadline.expired;
  });
  assert.equal(expired, true);
  assert.ok(Date.now() - started < 1_000);

  const interrupt = new AbortController();
  const reason = new Error('interrupted by SIGINT');
  await withDeadline(10_000, interrupt.signal, async (deadline) => {
    interrupt.abort(reason);
    assert.equal(deadline.signal.aborted, true);
    assert.equal(deadline.signal.reason, reason, 'the interrupt reaches the work as it was');
    assert.equal(deadline.expired, false);
  });
});

test('a deadline beyond what a timer holds means none, not an immediate one', async () => {
  // setTimeout turns anything past 2^31 - 1 ms into 1 ms; the deadline must not.
  const expired = await withDeadline(1e12, new AbortController().signal, async (deadline) => {
    await sleep(50);
    return deadline.expired || deadline.signal.aborted;
  });
  assert.equal(expired, false);
  assert.equal(deadlineSeconds(1500), '1.5 s');
  assert.equal(deadlineSeconds(60_000), '60 s');
});
