import {redactBody, redactHeaders, redactString} from './redact.js'

/** Debug logging to stderr (`--debug` or MC_DEBUG=1). Every line passes through redaction. */
export interface DebugLog {
  readonly enabled: boolean
  line(text: string): void
  request(method: string, url: string, headers: Record<string, string>, body?: string): void
  response(status: number, url: string, headers: Record<string, string>, body?: string): void
}

const MAX_BODY = 4000

function clip(body: string): string {
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}… (${body.length} bytes)` : body
}

export function createDebugLog(enabled: boolean, write: (text: string) => void = (t) => process.stderr.write(t)): DebugLog {
  const line = (text: string) => {
    if (enabled) write(`[mc debug] ${redactString(text)}\n`)
  }
  return {
    enabled,
    line,
    request(method, url, headers, body) {
      if (!enabled) return
      line(`> ${method} ${redactString(url)} ${JSON.stringify(redactHeaders(headers))}`)
      if (body) line(`> ${clip(redactBody(body))}`)
    },
    response(status, url, headers, body) {
      if (!enabled) return
      line(`< ${status} ${redactString(url)} ${JSON.stringify(redactHeaders(headers))}`)
      if (body) line(`< ${clip(redactBody(body))}`)
    },
  }
}

export const silentLog: DebugLog = createDebugLog(false)

export function debugEnabledFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MC_DEBUG === '1' || env.MC_DEBUG === 'true'
}
