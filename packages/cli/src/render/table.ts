/**
 * Plain-text tables: columns padded to their widest cell, a cell may hold several lines.
 * Numbers (cells that look numeric) are right-aligned.
 */
export type Cell = string | number | string[];

function lines(cell: Cell): string[] {
  return Array.isArray(cell) ? (cell.length ? cell : [""]) : [String(cell)];
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

export function renderTable(rows: Cell[][], indent = "  ", gap = "  "): string {
  const widths: number[] = [];
  const numeric: boolean[] = [];
  for (const row of rows) {
    row.forEach((cell, c) => {
      for (const l of lines(cell)) widths[c] = Math.max(widths[c] ?? 0, l.length);
      if (typeof cell === "number") numeric[c] = true;
    });
  }
  const out: string[] = [];
  for (const row of rows) {
    const cells = row.map(lines);
    const height = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) {
      const parts = cells.map((c, col) => {
        const text = c[i] ?? "";
        const right = numeric[col] && NUMERIC.test(text);
        return right ? text.padStart(widths[col]!) : text.padEnd(widths[col]!);
      });
      out.push((indent + parts.join(gap)).trimEnd());
    }
  }
  return out.join("\n");
}
