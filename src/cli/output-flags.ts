import {Flags} from '@oclif/core'

import {ValidationError} from '../core/errors.js'
import type {Column} from '../output/columns.js'
import {columnKey, type OutputFormat, RECORD_FORMATS, type Shape} from '../output/shape.js'

/**
 * The output flags of every command that prints records (nodes, images, sizes, locations, keys,
 * providers, probe list, check run, check diagnose, config list, config profiles), shaped in one place
 * (src/output/shape.ts). `--json` (oclif's) and `--csv` stay as the short forms of --output json/csv.
 */
export function recordFlags(columnSets: Column<never>[][], extraFormats: OutputFormat[] = []) {
  const formats = [...RECORD_FORMATS, ...extraFormats]
  const names = [...new Set(columnSets.flat().map((c) => columnKey(c)))]
  return {
    output: Flags.string({
      char: 'o',
      summary: `Output format: ${formats.join(', ')} (default table). --json and --csv are short for --output json and --output csv.`,
      options: formats,
      helpGroup: 'OUTPUT',
    }),
    csv: Flags.boolean({summary: 'Same as --output csv.', helpGroup: 'OUTPUT'}),
    columns: Flags.string({summary: `Table and CSV columns to print, in this order (comma list): ${names.join(', ')}.`, helpGroup: 'OUTPUT'}),
    'no-header': Flags.boolean({summary: 'Print table and CSV rows without the header row.', helpGroup: 'OUTPUT'}),
    sort: Flags.string({summary: 'Sort the records by these columns (comma list), each FIELD or FIELD:desc; also orders the JSON and YAML.', helpGroup: 'OUTPUT'}),
    query: Flags.string({
      summary: "JMESPath query on the JSON document, as the AWS CLI's --query (e.g. \"nodes[?state=='running'].name\"); printed as JSON, YAML, or a table/CSV of its result.",
      helpGroup: 'OUTPUT',
    }),
  }
}

type OutputFlagValues = {json?: boolean; csv?: boolean; output?: string; columns?: string; 'no-header'?: boolean; sort?: string; query?: string}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** The format the flags ask for; --json/--csv that contradict --output are a usage error. */
function formatOf(flags: OutputFlagValues): OutputFormat {
  const asked = [flags.json ? 'json' : undefined, flags.csv ? 'csv' : undefined, flags.output].filter((f) => f !== undefined)
  const distinct = [...new Set(asked)]
  if (distinct.length > 1) {
    const named = [flags.json ? '--json' : undefined, flags.csv ? '--csv' : undefined, flags.output ? `--output ${flags.output}` : undefined].filter(Boolean)
    throw new ValidationError(`${named.join(' and ')} ask for different formats; pass one (--json is --output json, --csv is --output csv).`)
  }
  return (distinct[0] ?? 'table') as OutputFormat
}

/**
 * The shape the output flags ask for, checked before any work is done. The YAML and JMESPath
 * packages are loaded only when asked for (yaml alone takes 140-300 ms to import here).
 */
export async function shapeFromFlags(flags: OutputFlagValues): Promise<Shape> {
  const format = formatOf(flags)
  const shape: Shape = {format, columns: list(flags.columns), header: !flags['no-header'], sort: list(flags.sort)}
  const document = format === 'json' || format === 'yaml'
  if (format === 'nagios' && (shape.columns || flags.query || flags['no-header'])) {
    throw new ValidationError('--output nagios prints a Nagios plugin answer; --columns, --no-header and --query shape table, CSV, JSON and YAML output.')
  }
  if (document && (shape.columns || flags['no-header'])) {
    throw new ValidationError(
      `--columns and --no-header shape table and CSV output; with --output ${format} pick fields with --query, e.g. --query "nodes[].{id: id, name: name}".`,
    )
  }
  if (flags.query !== undefined && shape.columns) {
    throw new ValidationError('--query picks the fields itself; drop --columns (e.g. --query "nodes[].{id: id, name: name}").')
  }
  if (flags.query !== undefined) shape.query = await compileQuery(flags.query)
  if (format === 'yaml') {
    const {stringify} = await import('yaml')
    shape.yaml = (value) => stringify(value, {aliasDuplicateObjects: false})
  }
  return shape
}

async function compileQuery(expression: string): Promise<(document: unknown) => unknown> {
  const {compile, TreeInterpreter} = await import('@jmespath-community/jmespath')
  let ast: ReturnType<typeof compile>
  try {
    ast = compile(expression)
  } catch (error) {
    throw new ValidationError(`--query is not valid JMESPath: ${(error as Error).message}`)
  }
  return (document) => {
    try {
      return TreeInterpreter.search(ast, document as Parameters<typeof TreeInterpreter.search>[1])
    } catch (error) {
      throw new ValidationError(`--query failed on this output: ${(error as Error).message}`)
    }
  }
}
