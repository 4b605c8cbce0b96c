import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {TimeoutError} from '../../src/core/errors.js'
import {withFileLock} from '../../src/store/file-lock.js'

/** Issue 20 item 3: the config's lock file, its stale-owner takeover and its deadline. */

const dir = mkdtempSync(join(tmpdir(), 'mc-file-lock-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('withFileLock', () => {
  it('holds <path>.lock with its PID while the work runs, and removes it after', () => {
    const path = join(dir, 'a.json')
    const seen = withFileLock(path, () => existsSync(`${path}.lock`))
    expect(seen).toBe(true)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('removes the lock when the work throws', () => {
    const path = join(dir, 'b.json')
    expect(() =>
      withFileLock(path, () => {
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('takes over a lock whose owner is dead (an mc killed mid-write)', () => {
    const path = join(dir, 'c.json')
    // A PID that surely existed and has exited: a child that already finished.
    const {pid} = spawnSync(process.execPath, ['-e', ''])
    writeFileSync(`${path}.lock`, `${pid}\n`)
    expect(withFileLock(path, () => 'ran', {timeoutMs: 2000})).toBe('ran')
  })

  it('waits for a live owner until the deadline, then names its PID', () => {
    const path = join(dir, 'd.json')
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {stdio: 'ignore'})
    try {
      writeFileSync(`${path}.lock`, `${owner.pid}\n`)
      const started = Date.now()
      expect(() => withFileLock(path, () => 'ran', {timeoutMs: 300, what: 'mc config'})).toThrow(TimeoutError)
      expect(Date.now() - started).toBeGreaterThanOrEqual(300)
      expect(() => withFileLock(path, () => 'ran', {timeoutMs: 50, what: 'mc config'})).toThrow(`mc config is locked by process ${owner.pid}`)
    } finally {
      owner.kill('SIGKILL')
    }
  })
})
