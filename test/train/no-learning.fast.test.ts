/** The no-learning verdict and its advice: what a learner reads after a run that stayed at chance. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANCE_LOSS, learned, NO_LEARNING_BELOW, noLearningAdvice } from '../../src/train/no-learning';

test('a run learned when its final train accuracy reaches twice chance', () => {
  assert.equal(learned({ trainAcc: NO_LEARNING_BELOW }), true);
  assert.equal(learned({ trainAcc: 0.199 }), false);
});

test('overshooting (loss above chance\'s) gets a smaller learning rate; a plateau (loss at chance\'s) more steps or another rate', () => {
  assert.equal(noLearningAdvice({ loss: 444.2 }, 1000), 'try a smaller --lr than 1000');
  assert.equal(noLearningAdvice({ loss: Number.NaN }, 30), 'try a smaller --lr than 30');
  const plateau = noLearningAdvice({ loss: 2.304 }, 0.9);
  assert.match(plateau, /still at chance level \(ln 10 = 2\.303\): train longer .*or try another --lr than 0\.9/);
  assert.ok(Math.abs(CHANCE_LOSS - 2.302585) < 1e-6);
});
