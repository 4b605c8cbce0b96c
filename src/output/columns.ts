/** One column of tabular output: shared by the table and CSV renderers. */
export interface Column<T> {
  header: string
  value(row: T): string | number | boolean | undefined
}

export function cellText(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value)
}
