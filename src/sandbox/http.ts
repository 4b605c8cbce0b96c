import type {IncomingHttpHeaders} from 'node:http'

import type {SandboxCloud} from './types.js'

/** A request as the emulators see it: body read, URL parsed. */
export interface SandboxRequest {
  method: string
  url: URL
  /** Path below the API's mount point (e.g. "/servers/detail" for Nova). */
  path: string
  /** The path exactly as sent (percent-encoding kept), for signature checks. */
  rawPath: string
  rawQuery: string
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  body: string
}

export interface SandboxResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** One emulated API mounted under a path prefix. */
export interface ApiHandler {
  readonly cloud: SandboxCloud
  handle(request: SandboxRequest): Promise<SandboxResponse>
  /** This API's own throttling answer, or undefined where the real API does not throttle (identity). */
  throttled(request: SandboxRequest): SandboxResponse | undefined
  /** This API's own answer when it is down (the fail= fault). */
  unavailable(request: SandboxRequest): SandboxResponse
  /** Parse and render every stored node once, so the first big listing costs what later ones do. */
  warm?(): void
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SandboxResponse {
  return {status, headers: {'content-type': 'application/json', ...headers}, body: body === undefined ? '' : JSON.stringify(body)}
}

export function empty(status: number, headers: Record<string, string> = {}): SandboxResponse {
  return {status, headers, body: ''}
}

/** Parse a JSON request body; undefined when it is not JSON (each API words that error itself). */
export function parseJsonBody(body: string): unknown {
  if (body.trim() === '') return undefined
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

export function header(request: SandboxRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(',') : value
}

/** `*` and `?` wildcards, as EC2 filters and mc's name globs use them. */
export function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replaceAll(/[.+^${}()|[\]\\]/g, String.raw`\$&`)
    .replaceAll('*', '.*')
    .replaceAll('?', '.')
  return new RegExp(`^${escaped}$`, 's')
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
