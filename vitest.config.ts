import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // @oclif/test's runCommand captures process.stdout itself; vitest must not intercept console.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share process.env and process.exitCode through oclif: one file at a time per worker.
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
})
