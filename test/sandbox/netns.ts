import {readdirSync, readFileSync, readlinkSync} from 'node:fs'

/**
 * What a networked sandbox leaves running, read from /proc: for test/sandbox/network.test.ts and
 * demo.test.ts, which check that a stop (or a Ctrl-C) leaves no process and so no namespace behind.
 */

function pids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
}

/** Processes whose MC_HOME passes `match` (the sandbox, its namespace holders, the nodes' shells, mc itself). */
export function processesWith(match: (mcHome: string) => boolean): number[] {
  return pids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .some((v) => v.startsWith('MC_HOME=') && match(v.slice('MC_HOME='.length)))
    } catch {
      return false // gone, or not readable
    }
  })
}

export function netnsOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`)
  } catch {
    return undefined
  }
}

/** The network namespaces these processes are in, this process's own left out. */
export function namespacesOf(processes: number[]): Set<string> {
  const host = netnsOf('self')
  return new Set(processes.map((pid) => netnsOf(pid)).filter((ns): ns is string => ns !== undefined && ns !== host))
}

/** Every process in one of these network namespaces, whoever started it. */
export function inside(namespaces: Set<string>): number[] {
  return pids().filter((pid) => namespaces.has(netnsOf(pid) ?? ''))
}

export function killAll(processes: number[]): void {
  for (const pid of processes) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}
