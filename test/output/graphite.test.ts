import {createServer, type Server} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {TransientError} from '../../src/core/errors.js'
import {graphiteName, renderGraphite, sendGraphite} from '../../src/output/graphite.js'
import {closedPort} from '../checks/servers.js'
import {sampleResults, TS} from './results.js'

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server) server.close(() => resolve())
    else resolve()
  })
  server = undefined
})

/** A Carbon stand-in: collects what each connection sends. */
async function carbon(): Promise<{port: number; received: Promise<string>}> {
  let deliver: (text: string) => void
  const received = new Promise<string>((resolve) => {
    deliver = resolve
  })
  server = createServer((socket) => {
    let text = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk
    })
    socket.on('end', () => deliver(text))
  })
  await new Promise<void>((resolve) => {
    server!.listen(0, '127.0.0.1', resolve)
  })
  return {port: (server.address() as {port: number}).port, received}
}

describe('graphite names', () => {
  it('dots, spaces and anything else unsafe become _', () => {
    expect(graphiteName('db.example.com')).toBe('db_example_com')
    expect(graphiteName('chicago 1')).toBe('chicago_1')
    expect(graphiteName('tcp:443')).toBe('tcp_443')
    expect(graphiteName('::1')).toBe('__1')
    expect(graphiteName('a\nb')).toBe('a_b')
    expect(graphiteName('probe-a_2')).toBe('probe-a_2')
    expect(graphiteName('')).toBe('_')
  })
})

describe('renderGraphite + sendGraphite', () => {
  it('a Carbon listener receives every value, line by line', async () => {
    const results = sampleResults()
    const {port, received} = await carbon()
    await sendGraphite(renderGraphite(results), {host: '127.0.0.1', port})
    const metric = (i: number, name: string) => results[i].metrics.find((m) => m.name === name)!.value
    expect((await received).split('\n')).toEqual([
      `mc.probe-a.10_231_2_2.ping.rta ${metric(0, 'rta')} ${TS}`,
      `mc.probe-a.10_231_2_2.ping.pl ${metric(0, 'pl')} ${TS}`,
      `mc.probe-a.10_231_2_2.ping.state 1 ${TS}`,
      `mc.probe-a.10_231_2_2.ping.duration_ms 9012 ${TS}`,
      `mc.probe-a.127_0_0_1.tcp_22.time ${metric(1, 'time')} ${TS}`,
      `mc.probe-a.127_0_0_1.tcp_22.state 0 ${TS}`,
      `mc.probe-a.127_0_0_1.tcp_22.duration_ms 31 ${TS}`,
      `mc.chicago_1.db_example_com.http.time ${metric(2, 'time')} ${TS}`,
      `mc.chicago_1.db_example_com.http.size ${metric(2, 'size')} ${TS}`,
      `mc.chicago_1.db_example_com.http.state 0 ${TS}`,
      `mc.chicago_1.db_example_com.http.duration_ms 45 ${TS}`,
      // rta=U at 100% loss: no line for it
      `mc.chicago_1.db_example_com.ping.pl 100 ${TS}`,
      `mc.chicago_1.db_example_com.ping.state 2 ${TS}`,
      `mc.chicago_1.db_example_com.ping.duration_ms 10004 ${TS}`,
      `mc.local.mc-test_example.dns.time ${metric(4, 'time')} ${TS}`,
      `mc.local.mc-test_example.dns.state 0 ${TS}`,
      `mc.local.mc-test_example.dns.duration_ms 60 ${TS}`,
      `mc.probe-c.127_0_0_1.tcp_443.state 3 ${TS}`,
      `mc.probe-c.127_0_0_1.tcp_443.duration_ms 15000 ${TS}`,
      '',
    ])
  })

  it('every line is exactly three fields with a five-part path, whatever the names', async () => {
    const [template] = sampleResults()
    const odd = {...template, vantage: 'a b.c', target: 'x y\nz', check: 'p.q r'}
    for (const line of renderGraphite([odd], {prefix: 'edge'}).trimEnd().split('\n')) {
      const fields = line.split(' ')
      expect(fields, line).toHaveLength(3)
      expect(fields[0].split('.'), line).toHaveLength(5)
      expect(fields[0].startsWith('edge.a_b_c.x_y_z.p_q_r.'), line).toBe(true)
    }
  })

  it('nothing to send is an empty string', () => {
    expect(renderGraphite([])).toBe('')
  })

  it('a refused connection is a TransientError naming the receiver', async () => {
    const port = await closedPort()
    const error = await sendGraphite('x 1 1\n', {host: '127.0.0.1', port}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TransientError)
    expect((error as Error).message).toContain(`Graphite at 127.0.0.1:${port}`)
  })
})
