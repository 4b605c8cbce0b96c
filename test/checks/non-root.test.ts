import {describe, expect, it} from 'vitest'

import {PRIVILEGE_MARKER, renderScript} from '../../src/checks/commands.js'
import {MtrRawStream, parseMtrRaw, unlane} from '../../src/checks/mtr.js'
import {parseCheckOutput, parsePrivilege} from '../../src/checks/parse.js'
import {validateCheck} from '../../src/checks/validate.js'

const exec = {stderr: '', exitCode: 0, timedOut: false, durationMs: 5}

describe('a path check decides on the vantage point who runs mtr', () => {
  const stream = validateCheck({kind: 'path', target: 'h', count: 100, stream: true, lanes: 6})

  it('root as itself at 0.1 s, a user with passwordless sudo through sudo -n at 0.1 s, anyone else at 1 s', () => {
    const script = renderScript(stream)
    expect(script).toContain(
      `if [ "$(id -u)" = 0 ]; then mc_i=0.1; mc_p=; elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then mc_i=0.1; mc_s='sudo -n'; mc_p=sudo; fi`,
    )
    // timeout runs inside sudo, where it may stop what it started.
    expect(script).toContain(`exec $mc_s $mc_t mtr -n --raw -Z 2 -c '100' -i "$mc_i" -G 1 -- 'h'`)
    expect(script).toContain(`echo '${PRIVILEGE_MARKER}sudo 1'`)
    expect(script).toContain(`echo '${PRIVILEGE_MARKER}user 6'`)
  })

  it('a plain user runs the lanes side by side, 1 s apart each, started 1/6 s apart, sharing the rounds', () => {
    const script = renderScript(stream)
    // In the session's process group (no timeout of their own), so stopping the check stops them all.
    const lanes = script.match(/\{ (sleep 0\.\d+; )?\$mc_s mtr -n --raw -Z 2 -c '17' -i 1 -G 1 -- 'h' \| mc_lane \d; \} &/g) ?? []
    expect(lanes).toHaveLength(6)
    expect(script).toContain('sleep 0.167;')
    expect(script).toContain('sleep 0.833;')
    expect(script).toMatch(/if \[ "\$mc_p" = user \]; then mc_lane\(\) .* wait; exit 0; fi/)
  })

  it('one mtr for a fixed-count trace (mtr --json cannot be merged) and for one lane', () => {
    const json = renderScript(validateCheck({kind: 'path', target: 'h', count: 50, lanes: 6}))
    expect(json).not.toContain('mc_lane')
    expect(json).toContain(`echo '${PRIVILEGE_MARKER}user 1'`)
    expect(renderScript(validateCheck({kind: 'path', target: 'h', count: 50, stream: true}))).not.toContain('mc_lane')
  })

  it('lanes are a path field from 1 to 16', () => {
    expect(() => validateCheck({kind: 'ping', target: 'h', lanes: 2})).toThrow(/lanes does not apply to ping checks/)
    expect(() => validateCheck({kind: 'path', target: 'h', lanes: 17})).toThrow(/lanes must be a whole number from 1 to 16/)
    expect(validateCheck({kind: 'path', target: 'h', lanes: 1}).lanes).toBeUndefined()
  })
})

describe('what a path check that did not run as root printed', () => {
  const json = JSON.stringify({report: {mtr: {dst: 'h', tests: 2}, hubs: [{count: 1, host: 'h', 'Loss%': 0, Snt: 2, Last: 1, Avg: 1, Best: 1, Wrst: 1, StDev: 0}]}})

  it('carries how mtr ran, and the report still parses after the marker', () => {
    const check = validateCheck({kind: 'path', target: 'h', count: 2})
    const result = parseCheckOutput(check, {...exec, stdout: `mc-impl:mtr\n${PRIVILEGE_MARKER}sudo 1\n${json}\n`}, 'pb')
    expect(result.state).toBe('OK')
    expect(result.privilege).toEqual({runAs: 'sudo', lanes: 1})
    expect(result.raw).not.toContain(PRIVILEGE_MARKER)
    expect(parseCheckOutput(check, {...exec, stdout: `mc-impl:mtr\n${json}\n`}, 'dc').privilege).toBeUndefined()
    expect(parsePrivilege(`${PRIVILEGE_MARKER}user 6`)).toEqual({runAs: 'user', lanes: 6})
    expect(parsePrivilege(`${PRIVILEGE_MARKER}admin 6`)).toBeUndefined()
  })

  it('finds the privilege line after the address a vantage point resolved, and keeps both', () => {
    const check = validateCheck({kind: 'path', target: 'name.test', count: 2, family: 'auto'})
    const result = parseCheckOutput(check, {...exec, stdout: `mc-impl:mtr\nmc-address: 10.0.0.5\n${PRIVILEGE_MARKER}user 6\n${json.replaceAll('"h"', '"10.0.0.5"')}\n`}, 'pu')
    expect(result.privilege).toEqual({runAs: 'user', lanes: 6})
    expect(result.address).toBe('10.0.0.5')
    expect(result.state).toBe('OK')
    expect(result.raw).not.toContain(PRIVILEGE_MARKER)
  })

  it("adds up side-by-side mtr processes' probes per hop, their sequence numbers kept apart", () => {
    expect(unlane('L2 x 0 33000')).toBe('x 0 233000')
    expect(unlane('L2 p 1 450 33001')).toBe('p 1 450 233001')
    expect(unlane('L1 h 0 10.0.0.1')).toBe('h 0 10.0.0.1')
    expect(unlane('x 0 33000')).toBe('x 0 33000')
    const lanes = [0, 1, 2].flatMap((lane) => [
      `L${lane} x 0 33000`,
      `L${lane} h 0 10.0.0.1`,
      `L${lane} p 0 500 33000`,
      `L${lane} x 1 33001`,
      `L${lane} h 1 10.0.0.9`,
      ...(lane === 1 ? [] : [`L${lane} p 1 900 33001`]),
    ])
    const report = parseMtrRaw(lanes.join('\n'), '10.0.0.9')
    expect(report.rounds).toBe(3)
    expect(report.hops.map((h) => [h.host, h.sent, h.lossPct])).toEqual([
      ['10.0.0.1', 3, 0],
      ['10.0.0.9', 3, 33.3],
    ])
    const stream = new MtrRawStream(1000)
    stream.push(`mc-impl:mtr\n${PRIVILEGE_MARKER}user 3\n${lanes.join('\n')}\n`, 0)
    expect(stream.pending(500).size).toBe(6)
    const result = parseCheckOutput(validateCheck({kind: 'path', target: '10.0.0.9', stream: true, lanes: 3}), {...exec, stdout: stream.settledText(1000)}, 'pu')
    expect(result.privilege).toEqual({runAs: 'user', lanes: 3})
    expect(result.hops?.map((h) => h.sent)).toEqual([3, 3])
  })
})
