import type {HttpResponse} from '../../core/http.js'
import {parseRetryAfter} from '../../core/retry.js'

/** What an OpenStack error body says, whichever of its shapes the service used. */
export interface ErrorBody {
  /** The fault's name: `itemNotFound`, `overLimit`, `badRequest`, or Keystone's title. */
  kind?: string
  message?: string
  /** From a Rackspace/Nova `overLimit` body (`retryAfter`: a date or seconds). */
  retryAfterMs?: number
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Nova and Rackspace wrap a fault as `{"<kind>": {"message", "code", "details"?}}`; Keystone v3 as
 * `{"error": {"message", "code", "title"}}`; some proxies answer with plain text.
 */
export function parseErrorBody(res: Pick<HttpResponse, 'json' | 'text'>): ErrorBody {
  const body = res.json
  if (isObject(body)) {
    const entries = Object.entries(body)
    if (entries.length === 1 && isObject(entries[0][1])) {
      const [kind, fault] = entries[0]
      const message = typeof fault.message === 'string' ? fault.message : undefined
      const details = typeof fault.details === 'string' && fault.details !== message ? fault.details : undefined
      const retryAfter = typeof fault.retryAfter === 'string' || typeof fault.retryAfter === 'number' ? String(fault.retryAfter) : undefined
      return {
        kind: kind === 'error' && typeof fault.title === 'string' ? fault.title : kind,
        message: details ? `${message ?? kind}: ${details}` : message,
        retryAfterMs: parseRetryAfter(retryAfter),
      }
    }
  }
  const trimmed = res.text.trim()
  // An HTML error page says nothing a person can use; its first line of text might.
  if (!trimmed || trimmed.startsWith('<')) return {}
  return {message: trimmed.split('\n')[0].slice(0, 300)}
}
