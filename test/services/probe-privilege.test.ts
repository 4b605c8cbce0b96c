import {describe, expect, it} from 'vitest'

import {parseLoginPrivilege, privilegeLine} from '../../src/services/probe-privilege.js'

describe('what probe add says about a non-root login', () => {
  it('reads the uid and the sudo answer', () => {
    expect(parseLoginPrivilege('0\nsudo\n')).toBe('root')
    expect(parseLoginPrivilege('1000\nsudo\n')).toBe('sudo')
    expect(parseLoginPrivilege('1000\nuser\n')).toBe('user')
    expect(parseLoginPrivilege('sh: id: not found\n')).toBeUndefined()
  })

  it('says how diagnoses will trace from it, and nothing for root', () => {
    const probe = {name: 'pb', user: 'ubuntu'}
    expect(privilegeLine(probe, 'sudo')).toBe("pb logs in as ubuntu, a non-root user with passwordless sudo: diagnoses run mtr through sudo -n, at root's pace.")
    expect(privilegeLine(probe, 'user')).toBe(
      'pb logs in as ubuntu, a non-root user without passwordless sudo: mtr sends one round a second there, so diagnoses run 6 mtr processes side by side (within the default 10 s).',
    )
    expect(privilegeLine({name: 'dc', user: 'root'}, 'root')).toBeUndefined()
    expect(privilegeLine(probe)).toBeUndefined()
  })
})
