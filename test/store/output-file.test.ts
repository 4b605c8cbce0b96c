import {execFileSync} from 'node:child_process'
import {closeSync, constants, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readlinkSync, readSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {OutputError} from '../../src/core/errors.js'
import {ensureOutputDir, writeOutputFile} from '../../src/store/output-file.js'
import {mc} from '../helpers/run.js'

/** Issue 20 item 1: a file the user names is written without clobbering what is there. */

const dir = mkdtempSync(join(tmpdir(), 'mc-output-file-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

let seq = 0
const fresh = (name: string) => join(dir, `${seq++}-${name}`)

function mknod(path: string, minor: number): string {
  // Character devices 1,3 (null) and 1,7 (full), made under the temp dir: the real /dev is never touched.
  execFileSync('mknod', [path, 'c', '1', String(minor)])
  return path
}

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path])
  return path
}

describe('writeOutputFile', () => {
  it('replaces a regular file atomically, keeping its mode', () => {
    const path = fresh('report.html')
    writeFileSync(path, 'old', {mode: 0o640})
    expect(writeOutputFile(path, 'new')).toBe(path)
    expect(readFileSync(path, 'utf8')).toBe('new')
    expect(statSync(path).mode % 0o1000).toBe(0o640)
  })

  it('follows a symlink and replaces the real file; the link stays a link', () => {
    const real = fresh('real.prom')
    const link = fresh('link.prom')
    writeFileSync(real, 'old')
    symlinkSync(real, link)
    writeOutputFile(link, 'new')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(real)
    expect(readFileSync(real, 'utf8')).toBe('new')
  })

  it('creates the target of a dangling symlink', () => {
    const real = fresh('not-yet.prom')
    const link = fresh('dangling.prom')
    symlinkSync(real, link)
    writeOutputFile(link, 'new')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(real, 'utf8')).toBe('new')
  })

  it('writes a character device in place: /dev/null-like stays a device, /dev/full-like fails with its name', () => {
    const nul = mknod(fresh('null'), 3)
    writeOutputFile(nul, 'x'.repeat(100_000))
    expect(statSync(nul).isCharacterDevice()).toBe(true)

    const full = mknod(fresh('full'), 7)
    expect(() => writeOutputFile(full, 'data')).toThrow(new OutputError(`Cannot write ${full}: no space left on device (ENOSPC).`))
    expect(statSync(full).isCharacterDevice()).toBe(true)
  })

  it('writes a FIFO in place when someone reads it, and refuses one nobody reads instead of hanging', () => {
    const fifo = mkfifo(fresh('fifo'))
    expect(() => writeOutputFile(fifo, 'data')).toThrow(/it is a FIFO and no process is reading it/)
    expect(statSync(fifo).isFIFO()).toBe(true)

    // This process is the reader; the data fits the pipe buffer, so the write never waits on it.
    // eslint-disable-next-line no-bitwise -- open(2) flags
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const link = fresh('fifo-link')
      symlinkSync(fifo, link)
      writeOutputFile(link, 'through the FIFO')
      const buffer = Buffer.alloc(100)
      const n = readSync(reader, buffer)
      expect(buffer.subarray(0, n).toString()).toBe('through the FIFO')
    } finally {
      closeSync(reader)
    }

    expect(statSync(fifo).isFIFO()).toBe(true)
  })

  it('never creates a missing parent directory', () => {
    const missing = join(fresh('missing'), 'deeper')
    expect(() => writeOutputFile(join(missing, 'x.prom'), 'data')).toThrow(/directory .*deeper does not exist/)
    expect(existsSync(missing)).toBe(false)
  })

  it('refuses a directory', () => {
    expect(() => writeOutputFile(dir, 'data')).toThrow(/it is a directory/)
  })

  it('ensureOutputDir creates only the last level, and says so', () => {
    const parent = fresh('nagios')
    expect(() => ensureOutputDir(join(parent, 'conf.d'))).toThrow(/parent .* does not exist/)
    expect(existsSync(parent)).toBe(false)
    expect(ensureOutputDir(parent)).toBe(true)
    expect(ensureOutputDir(parent)).toBe(false)
  })
})

describe('mc report --html', () => {
  it('exits 10 on a full device and leaves the device a device', async () => {
    const full = mknod(fresh('report-full'), 7)
    const {exitCode, stderr} = await mc(['report', '--html', full])
    expect(exitCode).toBe(10)
    expect(stderr).toContain(`Cannot write ${full}: no space left on device`)
    expect(statSync(full).isCharacterDevice()).toBe(true)
  })

  it('under --json still prints the data next to the error', async () => {
    const {exitCode, stdout} = await mc(['report', '--json', '--html', join(fresh('none'), 'r.html')])
    expect(exitCode).toBe(10)
    const json = JSON.parse(stdout) as {error: {code: string; exitCode: number}; targets: unknown[]}
    expect(json.error).toMatchObject({code: 'OUTPUT', exitCode: 10})
    expect(json.targets).toEqual([])
  })
})
