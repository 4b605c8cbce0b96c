import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

import {OutputError} from '../core/errors.js'

/**
 * Write a file the user named (an HTML report, a Prometheus textfile): never clobber what is there.
 * - A regular file, or a symlink to one, is replaced atomically at its real path: the link stays a link.
 * - A FIFO or a character/block device (/dev/stdout, /proc/self/fd/1, /dev/null) is written in place.
 * - A missing parent directory is an error, never created.
 * Every failure is an OutputError (exit 10) naming the file. Returns the path actually written.
 */
export function writeOutputFile(path: string, data: string, mode = 0o644): string {
  const existing = statOrUndefined(path)
  if (existing && !existing.isFile()) return writeSpecial(path, existing, data)
  const real = existing ? realpathSync(path) : finalTarget(path)
  const dir = dirname(real)
  const dirStat = statOrUndefined(dir)
  if (!dirStat) throw new OutputError(`Cannot write ${path}: directory ${dir} does not exist. Create it first; mc does not create it.`)
  if (!dirStat.isDirectory()) throw new OutputError(`Cannot write ${path}: ${dir} is not a directory.`)
  replaceAtomically({path, real, data, mode: existing ? existing.mode % 0o1_0000 : mode, existing})
  return real
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path)
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    if (code === 'ENOENT') return undefined
    throw new OutputError(`Cannot write ${path}: ${describe(error)}.`)
  }
}

/** Where a path that does not exist yet will be created: through a dangling symlink chain to its end. */
function finalTarget(path: string): string {
  let current = resolve(path)
  for (let hops = 0; hops < 40; hops++) {
    let link: string
    try {
      if (!lstatSync(current).isSymbolicLink()) return current
      link = readlinkSync(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return current
      throw new OutputError(`Cannot write ${path}: ${describe(error)}.`)
    }

    current = resolve(dirname(current), link)
  }

  throw new OutputError(`Cannot write ${path}: too many levels of symbolic links.`)
}

function writeSpecial(path: string, stat: Stats, data: string): string {
  if (stat.isDirectory()) throw new OutputError(`Cannot write ${path}: it is a directory. Name a file.`)
  if (!stat.isFIFO() && !stat.isCharacterDevice() && !stat.isBlockDevice()) {
    throw new OutputError(`Cannot write ${path}: it is a socket or other special file, not a file, FIFO or device.`)
  }

  let fd: number
  try {
    fd = stat.isFIFO() ? openFifo(path) : openSync(path, constants.O_WRONLY)
  } catch (error) {
    if (error instanceof OutputError) throw error
    throw new OutputError(`Cannot open ${path} for writing: ${describe(error)}.`)
  }

  try {
    writeAll(fd, data)
  } catch (error) {
    throw new OutputError(`Cannot write ${path}: ${describe(error)}.`)
  } finally {
    closeSync(fd)
  }

  return path
}

/**
 * A FIFO without a reader would block open() forever: probe with O_NONBLOCK first (ENXIO means no
 * reader), then open it blocking, which the reader now lets through at once.
 */
function openFifo(path: string): number {
  let probe: number
  try {
    // eslint-disable-next-line no-bitwise -- open(2) flags
    probe = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw new OutputError(`Cannot write ${path}: it is a FIFO and no process is reading it.`)
    throw error
  }

  try {
    return openSync(path, constants.O_WRONLY)
  } finally {
    closeSync(probe)
  }
}

function writeAll(fd: number, data: string): void {
  const buffer = Buffer.from(data)
  for (let offset = 0; offset < buffer.length;) offset += writeSync(fd, buffer, offset)
}

type Replacement = {path: string; real: string; data: string; mode: number; existing: Stats | undefined}

function replaceAtomically({path, real, data, mode, existing}: Replacement): void {
  const tmp = join(dirname(real), `.${basename(real)}.${process.pid}.${Date.now()}.tmp`)
  try {
    const fd = openSync(tmp, 'wx', mode)
    try {
      writeAll(fd, data)
      // A replaced file keeps its mode and owner, so a collector running as another user still reads it.
      if (existing) {
        fchmodSync(fd, mode)
        if (process.getuid?.() === 0) fchownSync(fd, existing.uid, existing.gid)
      }
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }

    renameSync(tmp, real)
  } catch (error) {
    rmSync(tmp, {force: true})
    throw new OutputError(`Cannot write ${path}${real === resolve(path) ? '' : ` (${real})`}: ${describe(error)}.`)
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a parent is not a directory',
    EPERM: 'operation not permitted',
    EPIPE: 'the reader went away',
  }
  return e.code && reasons[e.code] ? `${reasons[e.code]} (${e.code})` : e.message
}

/**
 * A directory the user named for mc's output: created when only its last level is missing (true is
 * returned so the command can say so), an error when its parent is missing too.
 */
export function ensureOutputDir(dir: string): boolean {
  const stat = statOrUndefined(dir)
  if (stat?.isDirectory()) return false
  if (stat) throw new OutputError(`Cannot write into ${dir}: it is not a directory.`)
  const parent = dirname(resolve(dir))
  if (!statOrUndefined(parent)?.isDirectory()) throw new OutputError(`Cannot create ${dir}: its parent ${parent} does not exist. Create it first; mc does not create it.`)
  try {
    mkdirSync(dir, {mode: 0o755})
  } catch (error) {
    throw new OutputError(`Cannot create ${dir}: ${describe(error)}.`)
  }

  return true
}
