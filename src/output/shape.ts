import {ValidationError} from '../core/errors.js'
import type {Column} from './columns.js'
import {renderCsv} from './csv.js'
import {renderTable} from './table.js'

/** What every command that prints records can print (`--output`); check commands add `nagios`. */
export const RECORD_FORMATS = ['table', 'json', 'csv', 'yaml'] as const
export type RecordFormat = (typeof RECORD_FORMATS)[number]
export type OutputFormat = 'nagios' | RecordFormat

/** How the records and the document are shaped, from the output flags. */
export interface Shape {
  format: OutputFormat
  /** --columns: column keys in the order asked for. */
  columns?: string[]
  header: boolean
  /** --sort: `FIELD` or `FIELD:desc`, comma list. */
  sort?: string[]
  /** --query, compiled: the document's JSON form in, the query's result out. */
  query?: (document: unknown) => unknown
  /** YAML's stringify, loaded only when --output yaml asks for it. */
  yaml?: (document: unknown) => string
}

const normalize = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replaceAll(/[^a-z\d]+/g, '-')
    .replaceAll(/^-|-$/g, '')

/** The name --columns and --sort take for a column. */
export function columnKey(column: Column<never>): string {
  return column.key ?? normalize(column.header)
}

function findColumn<R>(columns: Column<R>[], name: string, flag: string): Column<R> {
  const key = normalize(name)
  const column = columns.find((c) => columnKey(c as Column<never>) === key)
  if (!column) throw new ValidationError(`Unknown ${flag} field "${name}". Fields: ${columns.map((c) => columnKey(c as Column<never>)).join(', ')}.`)
  return column
}

/** The columns --columns names, in its order; every column without it. */
export function selectColumns<R>(columns: Column<R>[], names: string[] | undefined): Column<R>[] {
  return names && names.length > 0 ? names.map((name) => findColumn(columns, name, '--columns')) : columns
}

/** --columns and --sort names that no column set of a command has: checked before any work is done. */
export function checkFieldNames(shape: Pick<Shape, 'columns' | 'sort'>, columnSets: Column<never>[][]): void {
  const all = columnSets.flat()
  for (const name of shape.columns ?? []) findColumn(all, name, '--columns')
  for (const spec of shape.sort ?? []) findColumn(all, parseSortSpec(spec).name, '--sort')
}

function parseSortSpec(spec: string): {name: string; descending: boolean} {
  const match = /^(.*?)(?::(asc|desc))?$/i.exec(spec.trim())!
  return {name: match[1], descending: match[2]?.toLowerCase() === 'desc'}
}

let collator: Intl.Collator | undefined

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  collator ??= new Intl.Collator('en', {numeric: true})
  return collator.compare(String(a), String(b))
}

const missing = (value: unknown) => value === undefined || value === null || value === ''

/**
 * Records sorted by one or more columns (`provider,name:desc`), on the values the table shows:
 * numbers as numbers, text in natural order (g6-standard-2 before g6-standard-10), states by
 * severity (OK, UNKNOWN, WARNING, CRITICAL). Rows without a value come last in either direction;
 * equal rows keep their order.
 */
export function sortRecords<R>(records: R[], specs: string[] | undefined, columns: Column<R>[]): R[] {
  if (!specs || specs.length === 0) return records
  const keys = specs.map((spec) => {
    const {name, descending} = parseSortSpec(spec)
    return {column: findColumn(columns, name, '--sort'), sign: descending ? -1 : 1}
  })
  return [...records].sort((x, y) => {
    for (const {column, sign} of keys) {
      const a = (column.sortValue ?? column.value)(x)
      const b = (column.sortValue ?? column.value)(y)
      if (missing(a) || missing(b)) {
        if (missing(a) !== missing(b)) return missing(a) ? 1 : -1
        continue
      }
      const order = compareValues(a, b)
      if (order !== 0) return sign * order
    }
    return 0
  })
}

/** Rows as a table or CSV, as the shape says. Empty when there is nothing to print (no rows, no header). */
export function renderRows<R>(rows: R[], columns: Column<R>[], shape: Shape, options: {color?: boolean} = {}): string {
  if (shape.format === 'csv') return renderCsv(rows, columns, {header: shape.header}).trimEnd()
  return renderTable(rows, columns, {color: options.color, header: shape.header})
}

type Row = Record<string, unknown>
const isObject = (value: unknown): value is Row => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A cell of a query result: text as is, lists of plain values space-separated, anything nested as JSON. */
function cellOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value !== 'object') return String(value)
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.map((v) => cellOf(v)).join(' ')
  return JSON.stringify(value)
}

/**
 * A query's result laid out as rows, as the AWS CLI's table and text output do: a list of objects
 * (or one object) is a row per object with the keys as columns; a list of lists is a row per inner
 * list without a header; a list of plain values is one value per line.
 */
export function tabulate(value: unknown): {rows: unknown[]; columns: Column<unknown>[]; header: boolean} {
  const items = Array.isArray(value) ? value : [value]
  if (items.length > 0 && items.every((item) => isObject(item))) {
    const keys = [...new Set(items.flatMap((item) => Object.keys(item as Row)))]
    return {rows: items, columns: keys.map((key) => ({header: key, key, value: (row) => cellOf((row as Row)[key])})), header: true}
  }
  if (items.length > 0 && items.every((item) => Array.isArray(item))) {
    const width = Math.max(...items.map((item) => (item as unknown[]).length))
    return {rows: items, columns: Array.from({length: width}, (_, i) => ({header: String(i + 1), value: (row) => cellOf((row as unknown[])[i])})), header: false}
  }
  return {rows: items.filter((item) => item !== null && item !== undefined), columns: [{header: 'value', value: (row) => cellOf(row)}], header: false}
}

/**
 * The whole answer of a command in the asked-for format, after --query: JSON as --json prints it,
 * YAML, or the query's result as a table or CSV.
 */
export function renderDocument(document: unknown, shape: Shape, options: {color?: boolean} = {}): string {
  // The query sees exactly the JSON a script would see (dates as strings, no undefined fields).
  const value = shape.query ? shape.query(JSON.parse(JSON.stringify(document) ?? 'null')) : document
  if (shape.format === 'yaml') return shape.yaml!(value).trimEnd()
  if (shape.format === 'table' || shape.format === 'csv') {
    const {rows, columns, header} = tabulate(value)
    return renderRows(rows, columns, {...shape, header: header && shape.header}, options)
  }
  return JSON.stringify(value, null, 2)
}
