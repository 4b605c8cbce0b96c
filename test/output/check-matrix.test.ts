import {stripVTControlCharacters} from 'node:util'

import {describe, expect, it} from 'vitest'

import {renderCheckMatrix} from '../../src/output/check-matrix.js'
import {sampleResults} from './results.js'

describe('renderCheckMatrix', () => {
  it('vantages down, targets across, each cell the checks of that pair with state and headline number', () => {
    const results = sampleResults()
    const text = renderCheckMatrix(results)
    const lines = text.trimEnd().split('\n')
    expect(lines[0].split(/\s{2,}/)).toEqual(['VANTAGE', '10.231.2.2', '127.0.0.1', 'DB.EXAMPLE.COM', 'MC-TEST.EXAMPLE'])
    const column = (header: string) => lines[0].indexOf(header)
    const cellAt = (line: string, header: string) => line.slice(column(header)).split(/\s{2,}/)[0]
    const row = (vantage: string) => lines.find((l) => l.startsWith(vantage))!
    const loss = results[0].metrics.find((m) => m.name === 'pl')!.value
    const rta = results[0].metrics.find((m) => m.name === 'rta')!.value!
    expect(cellAt(row('probe-a'), '10.231.2.2')).toBe(`ping WARNING ${loss}% loss ${rta.toFixed(1)}ms`)
    expect(cellAt(row('probe-a'), '127.0.0.1')).toMatch(/^tcp:22 OK \d+\.\d\dms$/)
    expect(cellAt(row('probe-a'), 'DB.EXAMPLE.COM')).toBe('-')
    expect(cellAt(row('probe-c'), '127.0.0.1')).toBe('tcp:443 UNKNOWN')
    expect(cellAt(row('local'), 'MC-TEST.EXAMPLE')).toMatch(/^dns OK \d+(\.\d\d)?ms$/)
    // Two checks of one pair stack in the cell: http on the vantage's line, ping on the next.
    const chicago = lines.findIndex((l) => l.startsWith('chicago 1'))
    expect(cellAt(lines[chicago], 'DB.EXAMPLE.COM')).toMatch(/^http OK \d+(\.\d\d)?ms$/)
    expect(cellAt(lines[chicago + 1], 'DB.EXAMPLE.COM')).toBe('ping CRITICAL 100% loss')
    expect(lines.at(-1)).toBe('4 vantages x 4 targets: CRITICAL (1 critical, 1 warning, 1 unknown, 3 ok)')
  })

  it('colour changes only the escape codes, never the layout', () => {
    const results = sampleResults()
    expect(stripVTControlCharacters(renderCheckMatrix(results, {color: true}))).toBe(renderCheckMatrix(results, {color: false}))
  })

  it('an empty run says so', () => {
    expect(renderCheckMatrix([])).toBe('VANTAGE\n0 vantages x 0 targets: UNKNOWN (no checks)\n')
  })
})
