import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'

/** GNU time (Debian `time`) reports the peak RSS of the process it runs. */
export const GNU_TIME = '/usr/bin/time'

/** One program to time: a whole process, started fresh each run. */
export interface Client {
  name: string
  command: string[]
  env?: Record<string, string>
  cwd?: string
  /** Checks stdout and says what was listed/done, e.g. "1000 nodes"; throws when the output is wrong. */
  verify?: (stdout: string) => string
}

export interface Sample {
  wallMs: number
  rssMb: number
  stdout: string
  stderr: string
}

export interface Stats {
  name: string
  wallMs: number
  rssMb: number
  walls: number[]
  /** What verify() said about the first measured run. */
  note: string
}

/** One run: wall time measured here (high resolution), peak RSS from GNU time's %M (KiB). */
export function measure(client: Client, env: NodeJS.ProcessEnv): Promise<Sample> {
  const [program, ...args] = [GNU_TIME, '-f', 'MEASURE-RSS %M', ...client.command]
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(program, args, {cwd: client.cwd, env: {...env, ...client.env}, stdio: ['ignore', 'pipe', 'pipe']})
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const stderr = Buffer.concat(err).toString()
      const m = /MEASURE-RSS (\d+)\s*$/.exec(stderr)
      if (code !== 0 || !m) {
        reject(new Error(`${client.name} failed (exit ${code}): ${client.command.join(' ')}\n${stderr.slice(-3000)}`))
        return
      }
      resolve({wallMs, rssMb: Number(m[1]) / 1024, stdout: Buffer.concat(out).toString(), stderr: stderr.slice(0, m.index).trim()})
    })
  })
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface CompareOptions {
  /** Progress lines (stderr). */
  log?: (line: string) => void
  /** Run these once, unmeasured, first (default: every client): page cache, the sandbox's render caches. */
  warmup?: Client[]
}

/**
 * Every client `runs` times, interleaved (run 1 of each, then run 2 of each, ...) so a burst of load
 * from other processes on this shared machine hits all of them alike. Every run's output is verified.
 */
export async function compare(clients: Client[], runs: number, env: NodeJS.ProcessEnv, options: CompareOptions = {}): Promise<Stats[]> {
  for (const client of options.warmup ?? clients) {
    const sample = await measure(client, env)
    client.verify?.(sample.stdout)
  }
  const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]))
  const notes = new Map<string, string>()
  for (let round = 1; round <= runs; round++) {
    const started = performance.now()
    for (const client of clients) {
      const sample = await measure(client, env)
      const note = client.verify ? client.verify(sample.stdout) : ''
      if (!notes.has(client.name)) notes.set(client.name, note)
      samples.get(client.name)!.push(sample)
    }
    options.log?.(`  round ${round}/${runs}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  return clients.map((c) => {
    const s = samples.get(c.name)!
    return {name: c.name, wallMs: median(s.map((x) => x.wallMs)), rssMb: median(s.map((x) => x.rssMb)), walls: s.map((x) => x.wallMs), note: notes.get(c.name) ?? ''}
  })
}

export function requireGnuTime(): void {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install the Debian package "time" (bench/ensure-peers.sh does).`)
}
