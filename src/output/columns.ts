/** One column of tabular output: shared by the table and CSV renderers. */
export interface Column<T> {
  header: string
  /** The name --columns and --sort take; default: the header in lower case with "-" for spaces and "/". */
  key?: string
  value(row: T): string | number | boolean | undefined
  /** What --sort compares when the shown value does not sort well (a state by severity); default the value. */
  sortValue?(row: T): string | number | undefined
}

export function cellText(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : String(value)
}
