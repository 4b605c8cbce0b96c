import {cellText, type Column} from './columns.js'

/** RFC 4180 CSV with a header row (unless `header` is false). Cells starting with = + - @ are prefixed so spreadsheets never run them. */
export function renderCsv<T>(rows: T[], columns: Column<T>[], options: {header?: boolean} = {}): string {
  const lines = options.header === false ? [] : [columns.map((c) => quote(c.header)).join(',')]
  for (const row of rows) lines.push(columns.map((c) => quote(cellText(c.value(row)))).join(','))
  return lines.length === 0 ? '' : lines.join('\r\n') + '\r\n'
}

function quote(cell: string): string {
  const safe = /^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?$/.test(cell) ? `'${cell}` : cell
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
