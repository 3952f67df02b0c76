/** A plain-text table for terminal output: columns padded to their widest cell. */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index]!.length)));
  const render = (line: string[]) => line.map((cell, index) => cell.padEnd(widths[index]!)).join('  ').trimEnd();
  return [render(columns.map((column) => column.toUpperCase())), ...cells.map(render)].join('\n');
}
