import {runCommand} from '@oclif/test'

const root = new URL('../..', import.meta.url).pathname

/** Run mc in-process as a user would, returning stdout, stderr, the exit code and the JSON result. */
export async function mc(args: string[]): Promise<{stdout: string; stderr: string; exitCode: number; result: unknown}> {
  const {stdout, stderr, error, result} = await runCommand(args, {root})
  const exitCode = error ? ((error as {oclif?: {exit?: number}}).oclif?.exit ?? 1) : 0
  return {stdout, stderr, exitCode, result}
}

export function parseJson<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout) as T
}
