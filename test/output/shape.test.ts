import {describe, expect, it} from 'vitest'

import {SEVERITY} from '../../src/checks/thresholds.js'
import type {CheckState} from '../../src/checks/types.js'
import {shapeFromFlags} from '../../src/cli/output-flags.js'
import {ExitCode, ValidationError} from '../../src/core/errors.js'
import type {Column} from '../../src/output/columns.js'
import {checkFieldNames, columnKey, renderDocument, renderRows, selectColumns, sortRecords, tabulate} from '../../src/output/shape.js'

type Size = {id: string; memoryMb?: number; price?: number}
const columns: Column<Size>[] = [
  {header: 'id', value: (s) => s.id},
  {header: 'memory mb', value: (s) => s.memoryMb},
  {header: 'usd/hour', value: (s) => s.price},
]
const sizes: Size[] = [
  {id: 'g6-standard-10', memoryMb: 2048, price: 0.2},
  {id: 'g6-standard-2', memoryMb: 4096},
  {id: 'g6-nanode-1', memoryMb: 1024, price: 0.0075},
  {id: 'g6-standard-1', memoryMb: 2048, price: 0.018},
]

function usageError(run: () => unknown): ValidationError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).exitCode).toBe(ExitCode.usage)
    return error as ValidationError
  }
  throw new Error('expected a usage error')
}

describe('column names', () => {
  it('are the headers in lower case with "-" for spaces and "/"; any spelling of the header finds them', () => {
    expect(columns.map((c) => columnKey(c as Column<never>))).toEqual(['id', 'memory-mb', 'usd-hour'])
    expect(selectColumns(columns, ['USD/HOUR', 'memory_mb', 'id']).map((c) => c.header)).toEqual(['usd/hour', 'memory mb', 'id'])
    expect(selectColumns(columns, [])).toBe(columns)
  })

  it('an unknown name is a usage error that lists the valid ones', () => {
    expect(usageError(() => selectColumns(columns, ['id', 'ram'])).message).toBe('Unknown --columns field "ram". Fields: id, memory-mb, usd-hour.')
    expect(usageError(() => checkFieldNames({sort: ['cost:desc']}, [columns as Column<never>[]])).message).toContain('Unknown --sort field "cost"')
    expect(() => checkFieldNames({columns: ['id'], sort: ['memory-mb:desc']}, [columns as Column<never>[]])).not.toThrow()
  })
})

describe('sortRecords', () => {
  it('sorts numbers as numbers and text in natural order, FIELD:desc descending, rows without a value last', () => {
    expect(sortRecords(sizes, ['id'], columns).map((s) => s.id)).toEqual(['g6-nanode-1', 'g6-standard-1', 'g6-standard-2', 'g6-standard-10'])
    expect(sortRecords(sizes, ['memory-mb:desc'], columns).map((s) => s.memoryMb)).toEqual([4096, 2048, 2048, 1024])
    expect(sortRecords(sizes, ['usd-hour'], columns).map((s) => s.id)).toEqual(['g6-nanode-1', 'g6-standard-1', 'g6-standard-10', 'g6-standard-2'])
    expect(sortRecords(sizes, ['usd-hour:desc'], columns).at(-1)!.id).toBe('g6-standard-2')
  })

  it("sorts by a column's sort value when it has one (check states by severity)", () => {
    const states = ['OK', 'CRITICAL', 'UNKNOWN', 'WARNING'].map((state) => ({state: state as CheckState}))
    const byState = sortRecords(states, ['state:desc'], [{header: 'state', value: (r) => r.state, sortValue: (r) => SEVERITY[r.state]}])
    expect(byState.map((r) => r.state)).toEqual(['CRITICAL', 'WARNING', 'UNKNOWN', 'OK'])
  })

  it('takes several keys, keeps equal rows in order, and leaves the input alone', () => {
    const copy = [...sizes]
    expect(sortRecords(sizes, ['memory-mb', 'id:desc'], columns).map((s) => s.id)).toEqual(['g6-nanode-1', 'g6-standard-10', 'g6-standard-1', 'g6-standard-2'])
    expect(sortRecords(sizes, ['memory-mb:asc'], columns).map((s) => s.id)).toEqual(['g6-nanode-1', 'g6-standard-10', 'g6-standard-1', 'g6-standard-2'])
    expect(sizes).toEqual(copy)
  })
})

describe('renderRows', () => {
  it('prints the chosen columns, without the header when asked, as a table or CSV', () => {
    const chosen = selectColumns(columns, ['id', 'usd-hour'])
    expect(renderRows(sizes.slice(0, 2), chosen, {format: 'table', header: true})).toBe('ID              USD/HOUR\ng6-standard-10  0.2\ng6-standard-2')
    expect(renderRows(sizes.slice(0, 2), chosen, {format: 'table', header: false})).toBe('g6-standard-10  0.2\ng6-standard-2')
    expect(renderRows(sizes.slice(0, 2), chosen, {format: 'csv', header: false})).toBe('g6-standard-10,0.2\r\ng6-standard-2,')
    expect(renderRows([], chosen, {format: 'csv', header: false})).toBe('')
  })
})

describe('query results as tables (as the AWS CLI lays them out)', () => {
  it('a list of objects: a row each, keys as columns; nested values as JSON, lists of plain values space-separated', () => {
    const {
      rows,
      columns: cols,
      header,
    } = tabulate([
      {id: 'a', ips: ['1.1.1.1', '::1']},
      {id: 'b', extra: {x: 1}},
    ])
    expect(header).toBe(true)
    expect(cols.map((c) => c.header)).toEqual(['id', 'ips', 'extra'])
    expect(rows.map((r) => cols.map((c) => c.value(r)))).toEqual([
      ['a', '1.1.1.1 ::1', ''],
      ['b', '', '{"x":1}'],
    ])
  })

  it('a list of lists: rows without a header; plain values: one per line; one object: one row', () => {
    expect(
      renderDocument(
        {
          n: [
            ['a', 1],
            ['b', 2],
          ],
        },
        {format: 'table', header: true, query: (d) => (d as {n: unknown}).n},
      ),
    ).toBe('a  1\nb  2')
    expect(renderDocument(['x', 'y', null], {format: 'table', header: true})).toBe('x\ny')
    expect(renderDocument({id: 'a', n: 3}, {format: 'csv', header: true})).toBe('id,n\r\na,3')
    expect(renderDocument(5, {format: 'table', header: true})).toBe('5')
    expect(renderDocument(null, {format: 'table', header: true})).toBe('')
  })
})

describe('shapeFromFlags', () => {
  const document = {
    nodes: [
      {id: 'n1', name: 'web', state: 'running', at: new Date('2026-01-02T03:04:05Z')},
      {id: 'n2', name: 'db', state: 'stopped'},
    ],
    errors: [],
  }

  it('--query runs JMESPath on the JSON form of the document (dates as strings), in every format', async () => {
    const json = await shapeFromFlags({query: "nodes[?state=='running'].{id: id, at: at}", output: 'json'})
    expect(JSON.parse(renderDocument(document, json))).toEqual([{id: 'n1', at: '2026-01-02T03:04:05.000Z'}])
    const yaml = await shapeFromFlags({query: 'nodes[].name', output: 'yaml'})
    expect(renderDocument(document, yaml)).toBe('- web\n- db')
    const table = await shapeFromFlags({query: 'nodes[].[id, name]'})
    expect(renderDocument(document, table)).toBe('n1  web\nn2  db')
    const csv = await shapeFromFlags({query: 'nodes[].{id: id, name: name}', csv: true, 'no-header': true})
    expect(renderDocument(document, csv)).toBe('n1,web\r\nn2,db')
  })

  it('YAML of the whole document', async () => {
    const yaml = await shapeFromFlags({output: 'yaml'})
    expect(renderDocument({errors: [], nodes: [{id: '123', ok: true}]}, yaml)).toBe('errors: []\nnodes:\n  - id: "123"\n    ok: true')
  })

  it('--json and --csv are --output json and csv; contradictions and flags that do not apply are usage errors', async () => {
    expect((await shapeFromFlags({json: true})).format).toBe('json')
    expect((await shapeFromFlags({json: true, output: 'json'})).format).toBe('json')
    expect((await shapeFromFlags({csv: true, output: 'csv'})).format).toBe('csv')
    expect((await shapeFromFlags({})).format).toBe('table')
    const refused: [Parameters<typeof shapeFromFlags>[0], RegExp][] = [
      [{json: true, output: 'yaml'}, /--json and --output yaml ask for different formats/],
      [{csv: true, output: 'json'}, /--csv and --output json ask for different formats/],
      [{output: 'yaml', columns: 'id'}, /--columns and --no-header shape table and CSV output; with --output yaml pick fields with --query/],
      [{json: true, 'no-header': true}, /with --output json pick fields with --query/],
      [{query: 'nodes[].id', columns: 'id'}, /--query picks the fields itself; drop --columns/],
      [{output: 'nagios', columns: 'id'}, /--output nagios prints a Nagios plugin answer/],
      [{query: 'nodes[?'}, /--query is not valid JMESPath/],
    ]
    for (const [flags, message] of refused) {
      await expect(shapeFromFlags(flags), JSON.stringify(flags)).rejects.toThrow(message)
      await expect(shapeFromFlags(flags)).rejects.toBeInstanceOf(ValidationError)
    }
  })

  it('a query that fails on the data is a usage error too', async () => {
    const shape = await shapeFromFlags({query: 'sort_by(nodes, &at)'})
    expect(() => renderDocument(document, shape)).toThrow(ValidationError)
  })
})
