/** CSV as RFC 4180 has it: a header row, comma-separated fields, CRLF line ends, fields quoted when they need it. */

export type CsvValue = string | number | null | undefined;

/**
 * One field: empty for a missing value; quoted (inner quotes doubled) when it holds a comma, a quote, a line break or
 * edge spaces. A text value that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe; numbers are written as they are.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: the header row, then one row per record, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** A file name from a title: "SLA achievement by priority" → "sla-achievement-by-priority.csv". */
export function csvFileName(title: string, suffix = ''): string {
  const slug = `${title} ${suffix}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug || 'data'}.csv`;
}

/**
 * Downloads `csv` as a UTF-8 file (with a byte-order mark, so spreadsheets read it as UTF-8) through a Blob URL and
 * an <a download>: nothing is sent anywhere.
 */
export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
