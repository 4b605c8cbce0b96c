/**
 * Redaction for everything mc logs. Two layers: known secret values registered when credentials are
 * loaded (replaced wherever they appear), and shape rules for headers, JSON keys, query parameters
 * and PEM blocks (for secrets mc never saw as a value, such as tokens a server hands out).
 */

const REDACTED = '[REDACTED]'
const secrets = new Set<string>()

const SECRET_KEY = /pass(word|phrase)?|secret|token|api[-_]?key|private[-_]?key|authorization|credential|signature|root_pass|session|cookie/i
const SECRET_HEADERS = new Set(['authorization', 'x-auth-token', 'x-subject-token', 'x-amz-security-token', 'cookie', 'set-cookie', 'proxy-authorization'])
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g

/** Remember a secret value so it is scrubbed from every later log line. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value)
}

/** Credentials in a URL's authority (`http://user:password@proxy:3128`), whatever the scheme. */
const URL_USERINFO = /\b([a-z][\d+.a-z-]*:\/\/)[^\s/?#"'<>]*@/gi

/** A URL with its user name and password hidden: for proxy, Pushgateway and endpoint URLs in messages. */
export function redactUrl(url: string): string {
  return url.replaceAll(URL_USERINFO, `$1${REDACTED}@`)
}

export function redactString(text: string): string {
  let out = redactUrl(text.replaceAll(PEM_BLOCK, REDACTED))
  for (const secret of secrets) out = out.split(secret).join(REDACTED)
  // Signed URLs and form bodies: X-Amz-Signature=..., SecretAccessKey=..., password=...
  out = out.replaceAll(/([?&](?:[\w.-]*(?:signature|credential|secret|token|password|key)[\w.-]*)=)[^&\s"]*/gi, `$1${REDACTED}`)
  // AWS SigV4 Authorization header contents, if they slipped into free text.
  out = out.replaceAll(/(Signature=)[0-9a-f]+/gi, `$1${REDACTED}`)
  return out
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : redactString(value)
  }
  return out
}

/** Deep copy of a JSON-like value with secret-looking keys replaced. */
export function redactJson(value: unknown, insideSecret = false): unknown {
  if (typeof value === 'string') return redactString(value)
  if (Array.isArray(value)) return value.map((v) => redactJson(v, insideSecret))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) {
      const secret = SECRET_KEY.test(key) || (insideSecret && key === 'id')
      // A secret-named object ({"token": {"id": ...}} in Keystone v2.0) hides its id too.
      out[key] = secret && (typeof v === 'string' || typeof v === 'number') ? REDACTED : redactJson(v, SECRET_KEY.test(key))
    }
    return out
  }
  return value
}

/** Redact a request/response body whatever its format (JSON, form-encoded, XML, text). */
export function redactBody(body: string): string {
  const trimmed = body.trimStart()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(redactJson(JSON.parse(body)))
    } catch {
      // not JSON after all: fall through to text rules
    }
  }
  return redactString(body)
    .replaceAll(/(<(\w*(?:secret|token|password|privatekey|keyMaterial)\w*)>)[\s\S]*?(<\/\2>)/gi, `$1${REDACTED}$3`)
    .replaceAll(/((?:^|&)[\w.]*(?:secret|token|password|keymaterial|userdata)[\w.]*=)[^&]*/gi, `$1${REDACTED}`)
}
