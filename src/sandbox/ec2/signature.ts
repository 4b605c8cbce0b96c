import {createHash, createHmac, timingSafeEqual} from 'node:crypto'

import type {SandboxRequest} from '../http.js'

/**
 * AWS request signatures, checked the way EC2 checks them: Signature Version 4 (Authorization
 * header, or X-Amz-* query parameters for presigned requests) and Version 2 (signed query or form
 * parameters, which Libcloud's EC2 driver still uses in us-east-1).
 */
export type SignatureCheck = {ok: true; accessKeyId: string; region?: string} | {ok: false; reason: 'missing' | 'unknown-key' | 'mismatch' | 'malformed'; accessKeyId?: string}

/** RFC 3986 encoding as AWS canonicalisation wants it. */
export function awsEncode(value: string): string {
  return encodeURIComponent(value).replaceAll(/[!'()*]/g, (c) => `%${c.codePointAt(0)!.toString(16).toUpperCase()}`)
}

function decodeComponent(value: string, plusIsSpace: boolean): string {
  const text = plusIsSpace ? value.replaceAll('+', ' ') : value
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Name/value pairs of a query string or form body, in order, decoded. */
export function parsePairs(text: string, plusIsSpace = true): [string, string][] {
  if (!text) return []
  return text
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=')
      return eq === -1 ? [decodeComponent(part, plusIsSpace), ''] : [decodeComponent(part.slice(0, eq), plusIsSpace), decodeComponent(part.slice(eq + 1), plusIsSpace)]
    })
}

/** Byte order of the encoded names, then values, as SigV2 and SigV4 sort them. */
function byCodeUnits(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}

function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => byCodeUnits(ak, bk) || byCodeUnits(av, bv))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Header values by lower-case name, repeated headers joined with commas, whitespace folded. */
function headerValues(request: SandboxRequest): Map<string, string> {
  const out = new Map<string, string>()
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i].toLowerCase()
    const value = request.rawHeaders[i + 1].trim().replaceAll(/\s+/g, ' ')
    out.set(name, out.has(name) ? `${out.get(name)},${value}` : value)
  }
  return out
}

/** The canonical URI: each path segment percent-encoded once from its decoded form. */
function canonicalPath(rawPath: string): string[] {
  const normalized = rawPath
    .split('/')
    .map((segment) => awsEncode(decodeComponent(segment, false)))
    .join('/')
  // Non-S3 services double-encode; both forms are accepted since clients differ on a plain "/".
  const doubled = normalized
    .split('/')
    .map((segment) => awsEncode(segment))
    .join('/')
  return [...new Set([rawPath || '/', normalized || '/', doubled || '/'])]
}

interface V4Parts {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
  amzDate: string
  presigned: boolean
}

function v4Parts(request: SandboxRequest, query: [string, string][]): V4Parts | 'missing' | 'malformed' {
  const {authorization} = request.headers
  const q = new Map(query)
  let credential: string
  let signedHeaders: string
  let signature: string
  let amzDate: string | undefined
  let presigned = false
  if (typeof authorization === 'string' && authorization.startsWith('AWS4-HMAC-SHA256')) {
    const fields = new Map(
      authorization
        .slice('AWS4-HMAC-SHA256'.length)
        .split(',')
        .map((f) => f.trim().split('=') as [string, string]),
    )
    credential = fields.get('Credential') ?? ''
    signedHeaders = fields.get('SignedHeaders') ?? ''
    signature = fields.get('Signature') ?? ''
    amzDate = (request.headers['x-amz-date'] as string | undefined) ?? undefined
  } else if (q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    credential = q.get('X-Amz-Credential') ?? ''
    signedHeaders = q.get('X-Amz-SignedHeaders') ?? ''
    signature = q.get('X-Amz-Signature') ?? ''
    amzDate = q.get('X-Amz-Date')
    presigned = true
  } else {
    return 'missing'
  }
  const scope = credential.split('/')
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !signature || !signedHeaders || !amzDate) return 'malformed'
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    presigned,
  }
}

function checkV4(request: SandboxRequest, parts: V4Parts, secret: string, query: [string, string][]): boolean {
  const headers = headerValues(request)
  const canonicalHeaders = parts.signedHeaders.map((name) => `${name}:${headers.get(name) ?? ''}\n`).join('')
  const signedQuery = parts.presigned ? query.filter(([k]) => k !== 'X-Amz-Signature') : query
  const payloadHash = headers.get('x-amz-content-sha256') ?? (parts.presigned ? 'UNSIGNED-PAYLOAD' : sha256Hex(request.body))
  const scope = `${parts.date}/${parts.region}/${parts.service}/aws4_request`
  let key: Buffer = hmac(`AWS4${secret}`, parts.date)
  key = hmac(key, parts.region)
  key = hmac(key, parts.service)
  key = hmac(key, 'aws4_request')
  for (const path of canonicalPath(request.rawPath)) {
    const canonicalRequest = [request.method, path, canonicalQuery(signedQuery), canonicalHeaders, parts.signedHeaders.join(';'), payloadHash].join('\n')
    const stringToSign = ['AWS4-HMAC-SHA256', parts.amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
    if (sameText(createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex'), parts.signature)) return true
  }
  return false
}

function checkV2(request: SandboxRequest, params: [string, string][], secret: string): boolean {
  const map = new Map(params)
  const method = map.get('SignatureMethod') === 'HmacSHA1' ? 'sha1' : 'sha256'
  const host = (request.headers.host ?? '').toLowerCase()
  const unsigned = params.filter(([k]) => k !== 'Signature')
  const stringToSign = [request.method, host, request.rawPath || '/', canonicalQuery(unsigned)].join('\n')
  const expected = createHmac(method, secret).update(stringToSign, 'utf8').digest('base64')
  return sameText(expected, map.get('Signature') ?? '')
}

/**
 * Check a request against the one key pair the sandbox knows. `params` are the decoded Query API
 * parameters (query string and form body together), needed for Version 2.
 */
export function verifySignature(request: SandboxRequest, params: [string, string][], keys: {accessKeyId: string; secretAccessKey: string}): SignatureCheck {
  const query = parsePairs(request.rawQuery, false)
  const parts = v4Parts(request, query)
  if (parts === 'malformed') return {ok: false, reason: 'malformed'}
  if (parts !== 'missing') {
    if (parts.accessKeyId !== keys.accessKeyId) return {ok: false, reason: 'unknown-key', accessKeyId: parts.accessKeyId}
    return checkV4(request, parts, keys.secretAccessKey, query)
      ? {ok: true, accessKeyId: parts.accessKeyId, region: parts.region}
      : {ok: false, reason: 'mismatch', accessKeyId: parts.accessKeyId}
  }
  const map = new Map(params)
  const accessKeyId = map.get('AWSAccessKeyId')
  if (!accessKeyId || !map.has('Signature')) return {ok: false, reason: 'missing'}
  if (map.get('SignatureVersion') !== '2') return {ok: false, reason: 'malformed', accessKeyId}
  if (accessKeyId !== keys.accessKeyId) return {ok: false, reason: 'unknown-key', accessKeyId}
  return checkV2(request, params, keys.secretAccessKey) ? {ok: true, accessKeyId} : {ok: false, reason: 'mismatch', accessKeyId}
}
