import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byRole, parseSvg, parseSvgDocument, textsIn } from './svg-dom';

test('parseSvg reads elements, attributes and decoded text', () => {
  const root = parseSvg(
    '<svg a="1"><g class="x y" aria-roledescription="point"><text>a &lt;b&gt; &amp; &#67;&#x44;</text></g><path d="M0"/></svg>',
  );
  assert.equal(root.name, 'svg');
  assert.equal(root.children.length, 2);
  assert.deepEqual(textsIn(root, 'y'), ['a <b> & CD']);
  assert.equal(byRole(root, 'point').length, 1);
});

test('parseSvg rejects what is not well-formed', () => {
  for (const bad of [
    '<svg><g></svg>',
    '<svg><g></svg></g>',
    '<svg></svg><svg></svg>',
    '<svg><text>a < b</text></svg>',
    '<svg><text>a & b</text></svg>',
    '<svg a="1" a="2"></svg>',
    '<svg a=1></svg>',
    '<svg>',
    'text<svg></svg>',
  ]) {
    assert.throws(() => parseSvg(bad), SyntaxError, bad);
  }
});

test('parseSvgDocument wants an sized SVG root in the SVG namespace', () => {
  assert.throws(() => parseSvgDocument('<?xml version="1.0"?><svg/>'), SyntaxError);
  assert.throws(() => parseSvgDocument('<svg width="10" height="10"></svg>'), SyntaxError);
  assert.ok(parseSvgDocument('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'));
});
