import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {cpus, loadavg, release, totalmem} from 'node:os'

/** What ran the benchmarks, so a reader can tell whether numbers are comparable. */
export interface Machine {
  rows: [string, string][]
}

/** What a program prints (stdout, and stderr too when asked: `ssh -V` and `aws --version` print there). */
function output(program: string, args: string[], options: {stderr?: boolean; cwd?: string} = {}): string {
  if (program.startsWith('/') && !existsSync(program)) return 'not installed'
  const result = spawnSync(program, args, {cwd: options.cwd, encoding: 'utf8'})
  if (result.error) return 'not installed'
  return `${result.stdout ?? ''}${options.stderr ? (result.stderr ?? '') : ''}`.trim()
}

function dpkgVersion(pkg: string): string {
  // eslint-disable-next-line no-template-curly-in-string -- dpkg-query's own format syntax
  return output('dpkg-query', ['-W', '-f', '${Version}', pkg]) || 'not installed'
}

export function describeMachine(mcRoot: string, node: string): Machine {
  const os = existsSync('/etc/os-release') ? /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] : undefined
  const cpu = cpus()
  const pkg = JSON.parse(readFileSync(`${mcRoot}/package.json`, 'utf8')) as {version: string}
  const revision = output('git', ['rev-parse', '--short', 'HEAD'], {cwd: mcRoot}) || 'unknown revision'
  const dirty = output('git', ['status', '--porcelain', '--', 'src', 'bin', 'package.json'], {cwd: mcRoot}) === '' ? '' : ' + uncommitted changes'
  const ssh = output('ssh', ['-V'], {stderr: true})
  return {
    rows: [
      ['CPU', `${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`],
      ['Memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['OS', `${os ?? 'unknown'}, Linux ${release()}`],
      ['mc', `${pkg.version} (git ${revision}${dirty})`],
      ['Node.js', output(node, ['--version'])],
      ['AWS CLI (`awscli`, /usr/bin/aws)', output('/usr/bin/aws', ['--version'], {stderr: true}).split(' ')[0] || 'not installed'],
      [
        'Apache Libcloud (`python3-libcloud`)',
        `${output('/usr/bin/python3', ['-c', 'import libcloud; print(libcloud.__version__)'])} on ${output('/usr/bin/python3', ['--version'])}`,
      ],
      ['OpenSSH', ssh.split(',')[0]],
      ['monitoring-plugins', dpkgVersion('monitoring-plugins-basic')],
      ['GNU time', dpkgVersion('time')],
    ],
  }
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')
}

interface CpuSnapshot {
  /** All CPUs' busy time, in clock ticks. */
  busy: number
  /** This process's and its waited-for children's CPU time, in clock ticks. */
  own: number
  at: number
}

function cpuSnapshot(): CpuSnapshot {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const busy = fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3] - fields[4]
  const self = readFileSync('/proc/self/stat', 'utf8')
  const after = self.slice(self.lastIndexOf(')') + 2).split(' ')
  // Fields 14-17 of /proc/PID/stat (utime stime cutime cstime); `after` starts at field 3.
  const own = after.slice(11, 15).reduce((a, b) => a + Number(b), 0)
  return {busy, own, at: performance.now()}
}

/**
 * How busy the rest of the machine was while a stretch of benchmarks ran: CPU time used by processes
 * other than this one and what it started, in cores (this machine is shared with other work).
 */
export function otherLoad(): () => number {
  const start = cpuSnapshot()
  return () => {
    const end = cpuSnapshot()
    const seconds = (end.at - start.at) / 1000
    // Ticks are sampled separately, so an idle machine can come out a hair below zero.
    return Math.max(0, (end.busy - start.busy - (end.own - start.own)) / 100 / seconds)
  }
}
