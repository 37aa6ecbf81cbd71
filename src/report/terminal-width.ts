/**
 * How wide the output may be: a terminal's own width, else $COLUMNS when set (CI logs and
 * tests), else unlimited (a file or a pipe keeps whole lines). And the one wrapping rule for
 * prose lines: break after ", " or a space, continuation lines indented.
 */

/** Columns of `stream`, or of $COLUMNS; undefined when neither says. */
export function outputWidth(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const tty = stream as NodeJS.WriteStream;
  if (tty.isTTY && tty.columns > 0) return tty.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

/**
 * `text` wrapped to `width` columns (undefined: not wrapped): breaks after ", " where it can,
 * else at a space; never inside a word (a word longer than the line stays whole, for the
 * terminal to fold). Lines after the first indented by `indent` spaces.
 */
export function wrapText(text: string, width: number | undefined, indent = 2): string[] {
  if (width === undefined || text.length <= width) return [text];
  const lines: string[] = [];
  let rest = text;
  let room = width;
  while (rest.length > room) {
    const window = rest.slice(0, room + 1);
    let cut = window.lastIndexOf(', ') + 1; // keep the comma on this line
    if (cut <= 0 || cut < room / 3) cut = window.lastIndexOf(' ');
    if (cut <= 0) {
      const next = rest.indexOf(' ', room);
      if (next < 0) break;
      cut = next;
    }
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    room = Math.max(10, width - indent);
  }
  if (rest !== '') lines.push(rest);
  return lines.map((line, i) => (i === 0 ? line : ' '.repeat(indent) + line));
}

/**
 * Text already laid out in lines (--help), fitted to `width`: each longer line is wrapped at
 * word boundaries, its continuation lines indented as the line itself is, plus two spaces.
 */
export function fitLines(text: string, width: number | undefined): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const lead = /^\s*/.exec(line)![0];
      const wrapped = wrapText(line.slice(lead.length), Math.max(10, width - lead.length), 2);
      return wrapped.map((part) => lead + part);
    })
    .join('\n');
}
