import {readFileSync} from 'node:fs'
import {relative} from 'node:path'
import {BaseSequencer, type TestSpecification} from 'vitest/node'

/**
 * Slowest test file first. Vitest hands files to its two workers in this order, so the long files
 * (the lab, the networked sandbox, the package install) start at once and the short ones fill in
 * around them; handed out last, one long file would run alone on one worker at the end. Vitest's own
 * order uses durations from its cache (node_modules/.vite), which a clean clone does not have, so
 * the durations come from test/durations.json, written from a full run by
 * `node scripts/test-durations.mjs` (refresh it when a file gets much slower or faster). A file it
 * does not list falls back to the local cache, then to UNKNOWN_MS.
 */
export const DURATIONS = new URL('durations.json', import.meta.url)
const UNKNOWN_MS = 10_000

export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const listed = JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>
    const cost = (spec: TestSpecification) => {
      const key = `${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`
      return listed[key] ?? this.ctx.cache.getFileTestResults(key)?.duration ?? UNKNOWN_MS
    }

    return [...files].sort((a, b) => cost(b) - cost(a))
  }
}
