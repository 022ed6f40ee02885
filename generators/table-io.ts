/** Numeric tables on disk as CSV: a first column of row names (optional), then numeric columns. */
import { writeFileAtomic } from '../lib/files.ts';
import { DataFileError, parseCsvFile } from './import/csv.ts';
import type { Table } from './metrics.ts';

export function readTableCsv(path: string): { names: string[] | undefined; table: Table } {
  const rows = parseCsvFile<string[]>(path, { skip_empty_lines: true });
  if (rows.length < 2) throw new DataFileError(`${path}: needs a header and at least one row`);
  const header = rows[0]!;
  const hasNames = header[0] === 'member' || header[0] === 'name' || header[0] === 'id';
  const columns = hasNames ? header.slice(1) : header;
  columns.forEach((column, c) => {
    if (column.trim() === '') throw new DataFileError(`${path}: column ${c + (hasNames ? 2 : 1)} of the header has no name`);
    if (columns.indexOf(column) !== c) throw new DataFileError(`${path}: column '${column}' appears twice in the header`);
  });
  const table: Table = Object.fromEntries(columns.map((c) => [c, new Float64Array(rows.length - 1)]));
  const names: string[] = [];
  rows.slice(1).forEach((row, r) => {
    if (row.length !== header.length) throw new DataFileError(`${path}, line ${r + 2}: ${row.length} fields, the header has ${header.length}`);
    if (hasNames) names.push(row[0]!);
    columns.forEach((column, c) => {
      const raw = row[c + (hasNames ? 1 : 0)]!;
      const value = Number(raw);
      if (raw === '' || !Number.isFinite(value)) throw new DataFileError(`${path}, line ${r + 2}: column '${column}' must be a number, got ${JSON.stringify(raw)}`);
      table[column]![r] = value;
    });
  });
  return { names: hasNames ? names : undefined, table };
}

/** Writes atomically (lib/files.ts). */
export function writeTableCsv(path: string, table: Table, names?: string[]): void {
  const columns = Object.keys(table);
  const n = columns.length > 0 ? table[columns[0]!]!.length : 0;
  const lines = [(names ? ['member', ...columns] : columns).join(',')];
  for (let r = 0; r < n; r++) lines.push([...(names ? [names[r]!] : []), ...columns.map((c) => +table[c]![r]!.toPrecision(10))].join(','));
  writeFileAtomic(path, `${lines.join('\n')}\n`);
}
