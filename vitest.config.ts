import {defineConfig} from 'vitest/config'

import {SlowestFirst} from './test/sequencer.js'

/**
 * Three tiers (CONTRIBUTING.md): `npm run test:unit`, `test:integration`, `test:lab`; `npm test` runs
 * all three. A file is in the integration tier when it starts anything outside the test process:
 * the sandbox, sshd, Prism, Chromium, mc as a child process, a monitoring plugin, another CLI. A
 * file that matches nothing below is a unit test: test/setup-unit.ts fails it if it starts a process.
 */
const LAB = ['test/lab/**/*.test.ts']
const INTEGRATION = [
  // the sandbox, in-process or as `mc sandbox start`
  'test/sandbox/**/*.test.ts',
  'test/drivers/*/sandbox.test.ts',
  'test/drivers/lifecycle.contract.test.ts',
  'test/drivers/digitalocean/spec.test.ts',
  'test/commands/region-all.test.ts',
  // independent clients of the sandbox: the AWS CLI, boto3, libcloud, the openstack CLI
  'test/conformance/**/*.test.ts',
  // Prism mocking Linode's spec; esbuild bundling the EC2 SDK
  'test/drivers/linode/prism.test.ts',
  'test/drivers/ec2/bundle.test.ts',
  // the AWS SDK's credential_process runs a shell script
  'test/drivers/ec2/credentials.test.ts',
  // probes: sandbox clouds, mc child processes, sshd
  'test/probes/**/*.test.ts',
  'test/checks-cli/**/*.test.ts',
  // a real sshd on loopback
  'test/ssh/**/*.test.ts',
  // monitoring-plugins, mtr, nagios4, promtool, Prometheus run for real
  'test/checks/commands.test.ts',
  'test/checks/mtr-stream.test.ts',
  'test/checks/local-checks.test.ts',
  'test/nagios/**/*.test.ts',
  'test/exporter/**/*.test.ts',
  'test/output/prometheus.test.ts',
  // headless Chromium
  'test/report/html.test.ts',
  // mc (or a helper) as a child process: signals, pipes, terminals, devices, locks between processes
  'test/commands/cli-conventions.test.ts',
  'test/commands/configure.test.ts',
  'test/commands/confirm-refused.test.ts',
  'test/commands/output-shape.test.ts',
  'test/commands/prices.test.ts',
  'test/commands/metrics-sinks.test.ts',
  'test/commands/network.test.ts',
  'test/commands/process-io.test.ts',
  'test/services/file-schema.test.ts',
  'test/store/file-lock.test.ts',
  'test/store/history.test.ts',
  'test/store/inventory.test.ts',
  'test/store/malformed-files.test.ts',
  'test/store/output-file.test.ts',
  // npm pack, a loopback npm registry and npm install -g of the tarball
  'test/package/**/*.test.ts',
]

export default defineConfig({
  test: {
    // @oclif/test's runCommand captures process.stdout itself; vitest must not intercept console.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests share process.env and process.exitCode through oclif: one file at a time per worker.
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one file at a time on a 2-core CI machine.
    // Most files wait on processes, servers and sockets rather than on a core, and every file stays
    // green when run twice at once (CONTRIBUTING.md), so two files run side by side.
    maxWorkers: 2,
    // The slowest files first (test/durations.json), so no long file starts last and runs alone.
    sequence: {sequencer: SlowestFirst},
    setupFiles: ['test/setup.ts'],
    projects: [
      {extends: true, test: {name: 'unit', include: ['test/**/*.test.ts'], exclude: [...INTEGRATION, ...LAB], setupFiles: ['test/setup-unit.ts']}},
      {extends: true, test: {name: 'integration', include: INTEGRATION}},
      {extends: true, test: {name: 'lab', include: LAB}},
    ],
  },
})
