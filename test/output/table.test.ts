import {describe, expect, it} from 'vitest'

import type {Column} from '../../src/output/columns.js'
import {renderTable} from '../../src/output/table.js'

// Expected layouts were taken from cli-table3 (borderless, two-space gap), which renderTable replaced.
const columns: Column<(string | number | undefined)[]>[] = [
  {header: 'a', value: (r) => r[0]},
  {header: 'bb', value: (r) => r[1]},
  {header: 'c', value: (r) => r[2]},
]
const red = (s: string) => `\u001B[31m${s}\u001B[39m`

describe('renderTable', () => {
  it('aligns columns to the widest cell, header upper-cased, trailing blanks trimmed', () => {
    expect(
      renderTable(
        [
          ['x', 'yyyy', 'z'],
          ['xxxxx', '', 'zz'],
        ],
        columns,
      ),
    ).toBe('A      BB    C\nx      yyyy  z\nxxxxx        zz')
  })

  it('prints only the header for no rows, and an empty line for a row of empty cells', () => {
    expect(renderTable([], columns)).toBe('A  BB  C')
    expect(renderTable([[undefined, '', '']], columns)).toBe('A  BB  C\n')
  })

  it('counts wide characters and emoji as two columns, combining marks as none', () => {
    expect(
      renderTable(
        [
          ['日本語', 'é', '😀'],
          ['a\u0301', 7, 'x'],
        ],
        columns,
      ),
    ).toBe('A       BB  C\n日本語  é   😀\na\u0301       7   x')
  })

  it('spreads a cell with newlines over several lines', () => {
    expect(
      renderTable(
        [
          ['x', 'y\nyy', 'z'],
          ['w', 'v', 'u'],
        ],
        columns,
      ),
    ).toBe('A  BB  C\nx  y   z\n   yy\nw  v   u')
  })

  it('does not count colour codes, even in cells of several lines', () => {
    expect(renderTable([[red('red'), `ok ${red('CRIT')}\n${red('x')}`, 'z']], columns)).toBe(`A    BB       C\n${red('red')}  ok ${red('CRIT')}  z\n     ${red('x')}`)
  })

  // How fast is measured in bench/ (the 10,000-node table listing), not here.
  it('lays out 10,000 rows, one line each under the header', () => {
    const rows = Array.from({length: 10_000}, (_, i) => [`i-${i.toString(16).padStart(17, '0')}`, `seed-${i}`, '127.0.0.1'])
    const text = renderTable(rows, columns)
    expect(text.split('\n')).toHaveLength(10_001)
  })
})
