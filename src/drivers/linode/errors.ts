import {AuthError, type McError, RateLimitError} from '../../core/errors.js'
import type {HttpResponse} from '../../core/http.js'
import {restError} from '../rest-call.js'
import type {LinodeErrorResponse} from './api-types.js'

/** Linode's `errors[]`, made safe to read whatever the body was. */
function linodeErrors(json: unknown): {field?: string; reason: string}[] {
  const errors = (json as LinodeErrorResponse | undefined)?.errors
  if (!Array.isArray(errors)) return []
  return errors.filter((e) => e && typeof e.reason === 'string').map((e) => ({field: typeof e.field === 'string' ? e.field : undefined, reason: e.reason!}))
}

/** One typed error for a failed Linode call: `where` is "GET /v4/linode/instances/42", `notFound` what a 404 means. */
export function toLinodeError(res: HttpResponse, where: string, tokenSource: string, notFound?: string): McError {
  const errors = linodeErrors(res.json)
  const reasons = errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)).join('; ')
  const detail = reasons ? `: ${reasons}` : ''
  switch (res.status) {
    case 401: {
      return new AuthError(
        `Linode rejected the token from ${tokenSource} (HTTP 401${detail}). Create a personal access token at https://cloud.linode.com/profile/tokens and set LINODE_TOKEN or "mc config set linode.token".`,
      )
    }
    case 403: {
      return new AuthError(`The Linode token from ${tokenSource} is not allowed to ${where} (HTTP 403${detail}). Give the token read/write access to Linodes and SSH keys.`)
    }
    case 429: {
      return new RateLimitError(`Linode rate-limited ${where} (HTTP 429).`, res.retryAfterMs)
    }
  }
  return restError(res, {title: 'Linode', where, said: reasons, invalid: errors.map((e) => ({field: e.field ?? '', reason: e.reason})), notFound})
}
