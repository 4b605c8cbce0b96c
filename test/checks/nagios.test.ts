import {describe, expect, it} from 'vitest'

import {formatPerfdata, parsePerfdata, parsePluginOutput, perfdataLabel, stateFromExitCode} from '../../src/checks/nagios.js'
import {captured} from './fixtures.js'

describe('plugin output from the real monitoring-plugins 2.3.3', () => {
  it('check_ping OK: status text and both perfdata items with thresholds, min and a trailing ;', () => {
    const {stdout} = captured('check_ping.ok')
    const out = parsePluginOutput(stdout)
    expect(out.text).toMatch(/^PING OK - Packet loss = 0%, RTA = \d+\.\d\d ms$/)
    const rta = Number(/rta=([\d.]+)ms/.exec(stdout)![1])
    expect(out.perfdata).toEqual([
      {name: 'rta', value: rta, unit: 'ms', warn: '200.000000', crit: '500.000000', min: 0},
      {name: 'pl', value: 0, unit: '%', warn: '20', crit: '60', min: 0},
    ])
    expect(out.invalidPerfdata).toEqual([])
  })

  it('check_ping at 100% loss: rta=U (no value) after a space following the bar', () => {
    const capture = captured('check_ping.loss100')
    const out = parsePluginOutput(capture.stdout)
    expect(out.text).toBe('PING CRITICAL - Packet loss = 100%')
    expect(out.perfdata[0]).toEqual({name: 'rta', value: null, unit: '', warn: '200.000000', crit: '500.000000'})
    expect(out.perfdata[1]).toMatchObject({name: 'pl', value: 100, unit: '%'})
    expect(stateFromExitCode(capture.exitCode)).toBe('CRITICAL')
  })

  it('check_ping under 30% random loss reports what it measured (it may send more than -p asks)', () => {
    const capture = captured('check_ping.loss30')
    const out = parsePluginOutput(capture.stdout)
    const pl = out.perfdata.find((m) => m.name === 'pl')!
    expect(pl.value).toBeGreaterThan(0)
    expect(pl.value).toBeLessThan(100)
    expect(stateFromExitCode(capture.exitCode)).toBe('WARNING')
  })

  it('check_tcp: seconds with min and max (the timeout)', () => {
    const out = parsePluginOutput(captured('check_tcp.warning').stdout)
    expect(out.text).toMatch(/^TCP WARNING - \d\.\d{3} second response time on 127\.0\.0\.1 port \d+$/)
    expect(out.perfdata).toEqual([{name: 'time', value: expect.any(Number), unit: 's', warn: '0.000001', crit: '5.000000', min: 0, max: 5}])
  })

  it('check_http and check_curl: status line ending in a space before the bar, time and size in bytes', () => {
    for (const plugin of ['check_http', 'check_curl']) {
      const out = parsePluginOutput(captured(`${plugin}.slow_warning`).stdout)
      expect(out.text).toMatch(/^HTTP WARNING: HTTP\/1\.1 200 OK - \d+ bytes in 1\.2\d\d second response time$/)
      expect(out.perfdata.map((m) => [m.name, m.unit])).toEqual([
        ['time', 's'],
        ['size', 'B'],
      ])
      expect(out.perfdata[0].value).toBeGreaterThan(1)
      expect(out.perfdata[0]).toMatchObject({warn: '1.000000', crit: '4.000000', min: 0, max: 5})
      expect(out.perfdata[1]).toMatchObject({min: 0})
      expect(out.perfdata[1].max).toBeUndefined()
    }
  })

  it('check_http connection refused: two lines without perfdata, the second is long text', () => {
    const out = parsePluginOutput(captured('check_http.refused').stdout)
    expect(out.text).toMatch(/^connect to address 127\.0\.0\.1 and port \d+: Connection refused$/)
    expect(out.longText).toEqual(['HTTP CRITICAL - Unable to open TCP socket'])
    expect(out.perfdata).toEqual([])
  })

  it('check_dns OK: perfdata with min only', () => {
    const out = parsePluginOutput(captured('check_dns.ok').stdout)
    expect(out.text).toMatch(/^DNS OK: [\d.]+ seconds response time\. mc-test\.example returns 10\.1\.2\.3$/)
    expect(out.perfdata).toEqual([{name: 'time', value: expect.any(Number), unit: 's', min: 0}])
  })

  it('check_ping on an unresolvable name: UNKNOWN, usage text as long output', () => {
    const capture = captured('check_ping.unresolvable')
    const out = parsePluginOutput(capture.stdout)
    expect(out.text).toBe('check_ping: Invalid hostname/address - no-such-host.invalid')
    expect(out.longText[0]).toBe('Usage:')
    expect(stateFromExitCode(capture.exitCode)).toBe('UNKNOWN')
  })
})

describe('plugin output format (development guidelines)', () => {
  it('multi-line output: perfdata on the first line, then after the first bar of a later line to the end', () => {
    const out = parsePluginOutput(
      [
        'DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968',
        '/ 15272 MB (77%);',
        '/boot 68 MB (69%);',
        '/home 69357 MB (27%);',
        '/var/log 819 MB (84%); | /boot=68MB;88;93;0;98',
        '/home=69357MB;253404;253409;0;253414',
        "/var/log=818MB;970;975;0;980 'with space'=1c",
      ].join('\n'),
    )
    expect(out.text).toBe('DISK OK - free space: / 3326 MB (56%);')
    expect(out.longText).toEqual(['/ 15272 MB (77%);', '/boot 68 MB (69%);', '/home 69357 MB (27%);', '/var/log 819 MB (84%);'])
    expect(out.perfdata.map((m) => `${m.name}=${m.value}${m.unit}`)).toEqual(['/=2643MB', '/boot=68MB', '/home=69357MB', '/var/log=818MB', 'with space=1c'])
    expect(out.perfdata[2]).toEqual({name: '/home', value: 69_357, unit: 'MB', warn: '253404', crit: '253409', min: 0, max: 253_414})
  })

  it("quoted labels: spaces, and '' for a quote", () => {
    expect(parsePerfdata("'it''s a label'=5s;1;2 'a b'=1")).toEqual([
      {name: "it's a label", value: 5, unit: 's', warn: '1', crit: '2'},
      {name: 'a b', value: 1, unit: ''},
    ])
  })

  it('every guideline unit, negative and fractional values, and range thresholds', () => {
    const metrics = parsePerfdata('a=1s b=2ms c=3us d=4% e=5B f=6KB g=7MB h=8TB i=9c j=-1.5 k=.5;@10:20;~:30;-1;1 l=1e3ms')
    expect(metrics.map((m) => m.unit)).toEqual(['s', 'ms', 'us', '%', 'B', 'KB', 'MB', 'TB', 'c', '', '', 'ms'])
    expect(metrics[9].value).toBe(-1.5)
    expect(metrics[10]).toEqual({name: 'k', value: 0.5, unit: '', warn: '@10:20', crit: '~:30', min: -1, max: 1})
    expect(metrics[11].value).toBe(1000)
  })

  it('keeps going past malformed items and reports them', () => {
    const out = parsePluginOutput("OK | good=1 =2 bad no_value= 'unterminated=3 ok2=4")
    expect(out.perfdata.map((m) => m.name)).toEqual(['good'])
    expect(out.invalidPerfdata).toContain('=2')
    expect(out.invalidPerfdata).toContain('bad')
    expect(out.invalidPerfdata).toContain('no_value=')
  })

  it('exit codes: 0..3 map to states, anything else is UNKNOWN', () => {
    expect([0, 1, 2, 3, 4, 127, -1, null].map((c) => stateFromExitCode(c))).toEqual(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'])
  })
})

describe('perfdata writing', () => {
  it('quotes labels with spaces or quotes, drops = and trailing empty fields', () => {
    expect(perfdataLabel('rta')).toBe('rta')
    expect(perfdataLabel("probe a's rta")).toBe("'probe a''s rta'")
    expect(perfdataLabel('a=b')).toBe('a_b')
    expect(formatPerfdata({name: 'x y', value: 0.000_000_1, unit: 's'})).toBe("'x y'=0s")
    expect(formatPerfdata({name: 'rta', value: null, unit: 'ms', warn: '200', crit: '500'})).toBe('rta=U;200;500')
    expect(formatPerfdata({name: 'pl', value: 12.5, unit: '%', min: 0})).toBe('pl=12.5%;;;0')
  })

  it('round-trips through the parser for generated labels and values', () => {
    const alphabet = "ab c'=_-.:/"
    let seed = 7
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let i = 0; i < 500; i++) {
      const name = Array.from({length: 1 + Math.floor(random() * 10)}, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
      if (name.trim() === '' || name.replaceAll('=', '_').trim() !== name.replaceAll('=', '_')) continue
      const value = Math.round((random() * 2000 - 1000) * 1000) / 1000
      const metric = {name, value, unit: 'ms', warn: '10', crit: '@1:2', min: -1000, max: 1000}
      const [parsed] = parsePerfdata(formatPerfdata(metric))
      expect(parsed, JSON.stringify(metric)).toEqual({...metric, name: name.replaceAll('=', '_')})
    }
  })
})
