/** One column of tabular output: shared by the table and CSV renderers. */
export interface Column<T> {
  header: string
  /** The name --columns and --sort take; default: the header in lower case with "-" for spaces and "/". */
  key?: string
  value(row: T): string | number | boolean | undefined
}

export function cellText(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value)
}
