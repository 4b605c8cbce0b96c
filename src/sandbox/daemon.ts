/**
 * Entry point of a detached sandbox (`mc sandbox start --detach`): runs until SIGTERM, SIGINT or
 * SIGHUP, then stops its servers and the commands its nodes run, and removes its pidfile. Once
 * everything is closed nothing keeps the event loop alive, so the process ends by itself.
 */
import {runSandbox, type SandboxRunOptions} from './control.js'

const options = JSON.parse(process.argv[2] ?? '{}') as SandboxRunOptions
const running = await runSandbox(options)
let stopping: Promise<void> | undefined
const shutdown = () => {
  stopping ??= running.stop().catch((error: unknown) => {
    process.stderr.write(`mc sandbox: stopping failed: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = 1
  })
}

process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
process.on('SIGHUP', shutdown)
process.stdout.write(`mc sandbox ${running.state.pid} listening on 127.0.0.1:${running.state.port}\n`)
