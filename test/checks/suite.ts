import {randomInt} from 'node:crypto'
import {existsSync} from 'node:fs'

import {expect} from 'vitest'

import type {ToolChoice} from '../../src/checks/commands.js'
import type {CheckDefinition, CheckResult, CheckState, Implementation} from '../../src/checks/types.js'
import {type DnsServer, startDnsServer} from './dns-server.js'
import {closedPort, type LocalServer, startHttpServer, startHttpsServer, startTcpServer} from './servers.js'

/**
 * One target of every kind on loopback, and the checks against them with the verdict each family of
 * tools must reach. Shared by the local and the SSH integration tests: the same checks, two vantages.
 */
export interface Targets {
  tcp: LocalServer
  http: LocalServer
  https: LocalServer
  dns: DnsServer
  /** check_dns (nslookup) can only ask port 53: a responder on a random 127.53.x.y. */
  dns53: DnsServer
  closed: number
  close(): Promise<void>
}

export async function startTargets(): Promise<Targets> {
  const records = {'probe.mc-test.example': '10.20.30.40'}
  const [tcp, http, https, dns, closed] = await Promise.all([startTcpServer(), startHttpServer(), startHttpsServer(), startDnsServer(records), closedPort()])
  const dns53 = await startDnsServer(records, {address: `127.53.${randomInt(1, 255)}.${randomInt(1, 255)}`, port: 53})
  return {
    tcp,
    http,
    https,
    dns,
    dns53,
    closed,
    async close() {
      await Promise.all([tcp.close(), http.close(), https.close(), dns.close(), dns53.close()])
    },
  }
}

export interface Expectation {
  definition: CheckDefinition
  state: CheckState
  /** The implementation each family runs here (undefined: that family has no tool for it). */
  plugins?: Implementation
  portable?: Implementation
  summary?: RegExp
}

/**
 * Tools CI installs (.ci/run); where one is missing the same checks must instead come back UNKNOWN
 * naming the package, which assertResults checks.
 */
const has = (tool: string) => existsSync(`/usr/bin/${tool}`)

export function expectations(t: Targets): Expectation[] {
  const name = 'probe.mc-test.example'
  const curl = has('curl') ? 'curl' : undefined
  const dig = has('dig') ? 'dig' : undefined
  const checkDns = has('nslookup') ? 'check_dns' : undefined
  return [
    {definition: {kind: 'ping', target: '127.0.0.1', count: 2, timeoutS: 5}, state: 'OK', plugins: 'check_ping', portable: 'ping'},
    {definition: {kind: 'tcp', target: '127.0.0.1', port: t.tcp.port}, state: 'OK', plugins: 'check_tcp', portable: 'bash-dev-tcp'},
    {definition: {kind: 'tcp', target: '127.0.0.1', port: t.closed}, state: 'CRITICAL', plugins: 'check_tcp', portable: 'bash-dev-tcp', summary: /refused/i},
    {definition: {kind: 'http', target: '127.0.0.1', port: t.http.port}, state: 'OK', plugins: 'check_http', portable: curl},
    {
      definition: {kind: 'http', target: '127.0.0.1', port: t.http.port, path: '/missing', name: 'missing'},
      state: 'WARNING',
      plugins: 'check_http',
      portable: curl,
      summary: /404/,
    },
    {definition: {kind: 'http', target: '127.0.0.1', port: t.closed, name: 'http-closed'}, state: 'CRITICAL', plugins: 'check_http', portable: curl},
    {definition: {kind: 'https', target: '127.0.0.1', port: t.https.port}, state: 'OK', plugins: 'check_http', portable: curl},
    {definition: {kind: 'dns', target: name, server: t.dns53.address, expect: '10.20.30.40'}, state: 'OK', plugins: checkDns, portable: dig, summary: /10\.20\.30\.40/},
    {definition: {kind: 'dns', target: name, server: '127.0.0.1', port: t.dns.port, name: 'dns-high'}, state: 'OK', portable: dig, summary: /10\.20\.30\.40/},
    {definition: {kind: 'dns', target: `missing.${name}`, server: '127.0.0.1', port: t.dns.port, name: 'dns-nx'}, state: 'CRITICAL', portable: dig, summary: /not found/},
    {definition: {kind: 'path', target: '127.0.0.1', count: 2}, state: 'OK', plugins: 'mtr', portable: 'mtr', summary: /1 hop to 127\.0\.0\.1/},
  ]
}

/** Every result matches its expectation for the family that ran; the rest say which package is missing. */
export function assertResults(results: CheckResult[], expected: Expectation[], tools: Exclude<ToolChoice, 'auto'>, vantage: string): void {
  expect(results).toHaveLength(expected.length)
  for (const [i, e] of expected.entries()) {
    const result = results[i]
    const label = `${vantage} ${tools} ${result.check} -> ${result.summary}`
    expect(result.vantage, label).toBe(vantage)
    const impl = e[tools]
    if (!impl) {
      expect(result.state, label).toBe('UNKNOWN')
      expect(result.implementation, label).toBe('none')
      expect(result.summary, label).toMatch(/install /)
      continue
    }
    expect(result.implementation, label).toBe(impl)
    expect(result.state, label).toBe(e.state)
    if (e.summary) expect(result.summary, label).toMatch(e.summary)
    expect(result.error, label).toBeUndefined()
    if (e.state === 'OK') expect(result.metrics.length, label).toBeGreaterThan(0)
  }
}
