import {readFileSync} from 'node:fs'

import {describeFailure, type ProviderFailure, ValidationError} from '../core/errors.js'
import type {CreateNodeRequest, KeyPair, Node, ProviderName} from '../core/model.js'
import type {Capability, CloudDriver} from '../drivers/types.js'
import {type DriverRequest, withDriver} from './drivers.js'

function requireCapability(driver: CloudDriver, capability: Capability, what: string): void {
  if (!driver.capabilities.has(capability)) {
    throw new ValidationError(`${driver.provider} does not support ${what}.`)
  }
}

export function showNode(provider: ProviderName, id: string, request: DriverRequest): Promise<Node> {
  return withDriver(provider, request, (driver) => driver.getNode(id))
}

export interface CreateOptions {
  wait: boolean
  waitTimeoutMs: number
  /** Hears each step of the wait (creating, waiting until running, running), for progress. */
  onStep?: (text: string) => void
}

export function createNode(provider: ProviderName, spec: CreateNodeRequest, options: CreateOptions, request: DriverRequest): Promise<Node> {
  return withDriver(provider, request, async (driver) => {
    requireCapability(driver, 'createNode', 'creating nodes')
    if (spec.userData) requireCapability(driver, 'userData', 'user data')
    options.onStep?.(`creating ${spec.name} in ${provider}${request.region ? ` ${request.region}` : ''}`)
    const node = await driver.createNode(spec)
    if (!options.wait) return node
    options.onStep?.(`node ${node.id} created (${node.state}); waiting until it runs (up to ${Math.round(options.waitTimeoutMs / 1000)}s)`)
    const running = await driver.waitUntilRunning(node.id, {timeoutMs: options.waitTimeoutMs, signal: request.signal})
    options.onStep?.(`node ${node.id} is ${running.state}`)
    return running
  })
}

export interface NodeActionOutcome {
  id: string
  ok: boolean
  failure?: ProviderFailure
}

/** Destroy several nodes; each id succeeds or fails on its own. */
export function destroyNodes(provider: ProviderName, ids: string[], request: DriverRequest): Promise<NodeActionOutcome[]> {
  return withDriver(provider, request, async (driver) => {
    requireCapability(driver, 'destroyNode', 'destroying nodes')
    const settled = await Promise.allSettled(ids.map((id) => driver.destroyNode(id)))
    return settled.map((s, i) => ({id: ids[i], ok: s.status === 'fulfilled', failure: s.status === 'rejected' ? describeFailure(ids[i], s.reason) : undefined}))
  })
}

export function rebootNode(provider: ProviderName, id: string, hard: boolean, request: DriverRequest): Promise<void> {
  return withDriver(provider, request, async (driver) => {
    requireCapability(driver, 'rebootNode', 'rebooting nodes')
    await driver.rebootNode(id, {hard})
  })
}

export function importKeyPair(provider: ProviderName, name: string, publicKeyFile: string, request: DriverRequest): Promise<KeyPair> {
  const publicKey = readPublicKey(publicKeyFile)
  return withDriver(provider, request, async (driver) => {
    requireCapability(driver, 'importKeyPair', 'importing key pairs')
    return driver.importKeyPair(name, publicKey)
  })
}

const PUBLIC_KEY = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/

/** Read an OpenSSH public key, refusing private keys so they never leave the machine. */
export function readPublicKey(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (error) {
    throw new ValidationError(`Cannot read public key file ${path}: ${(error as Error).message}`)
  }
  if (text.includes('PRIVATE KEY')) {
    throw new ValidationError(`${path} is a private key. Pass the public key (usually the same path ending in .pub).`)
  }
  if (!PUBLIC_KEY.test(text)) {
    throw new ValidationError(`${path} is not an OpenSSH public key (expected a line like "ssh-ed25519 AAAA... comment").`)
  }
  return text
}
