import {describe, expect, it} from 'vitest'

import {AllFailedError, AuthError, ExitCode, NotFoundError, PartialFailureError, ProviderError} from '../../src/core/errors.js'
import {fanOut, settle} from '../../src/services/fanout.js'

describe('fanOut and settle', () => {
  it('runs providers concurrently and keeps every answer', async () => {
    const started: string[] = []
    const result = await fanOut(['ec2', 'linode'], async (p) => {
      started.push(p)
      await new Promise((r) => {
        setTimeout(r, 20)
      })
      return p.length
    })
    expect(started).toEqual(['ec2', 'linode'])
    expect(result.values).toEqual([
      {provider: 'ec2', value: 3},
      {provider: 'linode', value: 6},
    ])
    expect(settle(result, 'data')).toBe('data')
  })

  it('one failure never hides the others: a partial failure carrying what arrived', async () => {
    const result = await fanOut(['ec2', 'linode'], async (p) => {
      if (p === 'ec2') throw new AuthError('refused')
      return ['n1']
    })
    let caught: unknown
    try {
      settle(result, {nodes: ['n1']})
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(PartialFailureError)
    const partial = caught as PartialFailureError<{nodes: string[]}>
    expect(partial.exitCode).toBe(ExitCode.partial)
    expect(partial.result.nodes).toEqual(['n1'])
    expect(partial.failures).toEqual([{provider: 'ec2', code: 'AUTH', exitCode: ExitCode.auth, message: 'refused'}])
  })

  it('a provider that half-answered keeps what it got, and its failures are listed', async () => {
    const result = await fanOut(['ec2', 'linode'], async (p) => {
      if (p === 'ec2') throw new PartialFailureError([{provider: 'ec2 eu-west-3', code: 'AUTH', exitCode: ExitCode.auth, message: 'opt-in region'}], ['i-1'])
      return ['l-1']
    })
    expect(result.values.flatMap((v) => v.value)).toEqual(['i-1', 'l-1'])
    expect(() => settle(result, null)).toThrow(PartialFailureError)
    try {
      settle(result, null)
    } catch (error) {
      expect((error as PartialFailureError).failures.map((f) => f.provider)).toEqual(['ec2 eu-west-3'])
    }
  })

  it('a single provider failing keeps its own error and exit code', async () => {
    const result = await fanOut(['linode'], async () => {
      throw new NotFoundError('gone')
    })
    expect(() => settle(result, null)).toThrow(NotFoundError)
  })

  it('all providers failing alike keep that exit code; differently, the general one', async () => {
    const same = await fanOut(['ec2', 'rackspace'], async () => {
      throw new AuthError('no')
    })
    expect(() => settle(same, null)).toThrow(AllFailedError)
    try {
      settle(same, null)
    } catch (error) {
      expect((error as AllFailedError).exitCode).toBe(ExitCode.auth)
    }

    const mixed = await fanOut(['ec2', 'rackspace'], async (p) => {
      throw p === 'ec2' ? new AuthError('no') : new ProviderError('boom')
    })
    try {
      settle(mixed, null)
    } catch (error) {
      expect((error as AllFailedError).exitCode).toBe(ExitCode.general)
      expect((error as Error).message).toBe('ec2: no | rackspace: boom')
    }
  })
})
