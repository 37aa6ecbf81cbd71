/**
 * A strict little XML reader for the tests: enough for vega's SVG (elements, attributes, text,
 * the five predefined entities and character references), and it throws on anything not
 * well-formed (unbalanced or crossed tags, a stray '<' or '&', a repeated attribute, two roots).
 */
export interface SvgElement {
  name: string;
  attrs: Record<string, string>;
  children: SvgElement[];
  /** The element's own text, entities decoded (not its descendants'). */
  text: string;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const TAG = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`);
const ATTR = new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, 'g');
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  if (raw.replace(ENTITY, '').includes('&')) throw new SyntaxError(`bare '&' near offset ${where}`);
  return raw.replace(ENTITY, (_, named: string, dec: string, hex: string) =>
    named ? NAMED[named] : String.fromCodePoint(dec ? Number(dec) : parseInt(hex, 16)),
  );
}

export function parseSvg(source: string): SvgElement {
  const stack: SvgElement[] = [];
  let root: SvgElement | undefined;
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > i) {
      const text = decode(source.slice(i, textEnd), i);
      if (stack.length) stack[stack.length - 1].text += text;
      else if (text.trim()) throw new SyntaxError(`text outside the root element at offset ${i}`);
    }
    if (lt < 0) break;
    const match = TAG.exec(source.slice(lt));
    if (!match) throw new SyntaxError(`malformed tag at offset ${lt}: ${source.slice(lt, lt + 40)}`);
    const [whole, closing, name, attrText, selfClosing] = match;
    if (closing) {
      if (attrText || selfClosing) throw new SyntaxError(`malformed end tag </${name}> at offset ${lt}`);
      const open = stack.pop();
      if (open?.name !== name) throw new SyntaxError(`</${name}> at offset ${lt} closes <${open?.name ?? 'nothing'}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const [, key, value] of attrText.matchAll(ATTR)) {
        if (key in attrs) throw new SyntaxError(`repeated attribute ${key} on <${name}> at offset ${lt}`);
        attrs[key] = decode(value, lt);
      }
      const element: SvgElement = { name, attrs, children: [], text: '' };
      if (stack.length) stack[stack.length - 1].children.push(element);
      else if (root) throw new SyntaxError(`second root element <${name}> at offset ${lt}`);
      else root = element;
      if (!selfClosing) stack.push(element);
    }
    i = lt + whole.length;
  }
  if (stack.length) throw new SyntaxError(`unclosed <${stack[stack.length - 1].name}>`);
  if (!root) throw new SyntaxError('no root element');
  return root;
}

/** Every element below (and including) `element`, depth first, that `test` accepts. */
export function findAll(element: SvgElement, test: (e: SvgElement) => boolean): SvgElement[] {
  const found = test(element) ? [element] : [];
  for (const child of element.children) found.push(...findAll(child, test));
  return found;
}

/** The elements with the given aria-roledescription ("point", "line mark", "bar", "legend", ...). */
export function byRole(root: SvgElement, role: string): SvgElement[] {
  return findAll(root, (e) => e.attrs['aria-roledescription'] === role);
}

/** The texts of the <text> elements inside groups whose class includes `cls`. */
export function textsIn(root: SvgElement, cls: string): string[] {
  const groups = findAll(root, (e) => (e.attrs.class ?? '').split(/\s+/).includes(cls));
  return groups.flatMap((g) => findAll(g, (e) => e.name === 'text').map((t) => t.text));
}

/** Parse and check the outer element: an <svg> in the SVG namespace with a size. */
export function parseSvgDocument(source: string): SvgElement {
  if (!source.startsWith('<svg')) throw new SyntaxError(`does not start with <svg: ${source.slice(0, 40)}`);
  const root = parseSvg(source);
  if (root.name !== 'svg' || root.attrs.xmlns !== 'http://www.w3.org/2000/svg')
    throw new SyntaxError('root is not an SVG element');
  if (!(Number(root.attrs.width) > 0 && Number(root.attrs.height) > 0)) throw new SyntaxError('SVG has no size');
  return root;
}

/** A number as vega writes it in aria-labels: d3-format, whose minus sign is U+2212. */
export function vegaNumber(value: number): string {
  return String(value).replace('-', '\u2212');
}
