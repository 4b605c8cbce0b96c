import {AuthError, type McError, RateLimitError} from '../../core/errors.js'
import type {HttpResponse} from '../../core/http.js'
import {restError} from '../rest-call.js'
import type {DoErrorBody} from './api-types.js'

/**
 * How long DigitalOcean asks a client to wait after a 429: Retry-After when sent, else until
 * RateLimit-Reset (epoch seconds), when the hourly budget refills.
 */
export function retryAfterMs(res: HttpResponse, now = Date.now()): number | undefined {
  if (res.retryAfterMs !== undefined) return res.retryAfterMs
  const reset = Number(res.headers.get('ratelimit-reset'))
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined
}

/** One typed error for a failed DigitalOcean call: `where` is "GET /v2/droplets/42", `notFound` what a 404 means. */
export function toDigitalOceanError(res: HttpResponse, where: string, tokenSource: string, notFound?: string): McError {
  const body = (res.json ?? {}) as DoErrorBody
  const message = typeof body.message === 'string' ? body.message : ''
  const detail = message ? `: ${message}` : ''
  switch (res.status) {
    case 401: {
      return new AuthError(
        `DigitalOcean rejected the token from ${tokenSource} (HTTP 401${detail}). Create a personal access token at https://cloud.digitalocean.com/account/api/tokens and set DIGITALOCEAN_TOKEN or "mc config set digitalocean.token".`,
      )
    }
    case 403: {
      return new AuthError(`The DigitalOcean token from ${tokenSource} is not allowed to ${where} (HTTP 403${detail}). Give it write scope for Droplets, SSH keys and firewalls.`)
    }
    case 429: {
      return new RateLimitError(`DigitalOcean rate-limited ${where} (HTTP 429${detail}).`, retryAfterMs(res))
    }
  }
  return restError(res, {title: 'DigitalOcean', where, said: message, invalid: message ? [{field: '', reason: message}] : [], notFound})
}
