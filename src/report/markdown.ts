/** Markdown pieces the reports share. */

const tableRow = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;

/** A Markdown table: the header, the separator row, one row per entry. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  return [tableRow(header), tableRow(header.map(() => '---')), ...rows.map(tableRow)];
}
