import {certificateError} from '../../core/http.js'
import {redactUrl} from '../../core/redact.js'
import {AuthError, McError, NotFoundError, ProviderError, RateLimitError, TimeoutError, TransientError} from '../../core/errors.js'

/** EC2 error codes for credentials EC2 does not accept, or for a caller without the permission. */
const AUTH_CODES = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'RequestExpired',
  'MissingAuthenticationToken',
  'OptInRequired',
])
const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException'])
const SERVER_CODES = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

function authHint(code: string, action: string): string {
  if (code === 'UnauthorizedOperation') return `The credentials are valid but not allowed to call ${action}: grant ec2:${action} in their IAM policy.`
  if (code === 'OptInRequired') return 'The account is not subscribed to EC2 or has not opted in to this region.'
  return 'Check the access key id and secret (mc profile, AWS_* environment or ~/.aws/credentials) and the system clock.'
}

interface SdkErrorShape {
  name?: string
  message?: string
  code?: string
  Code?: string
  $fault?: string
  $metadata?: {httpStatusCode?: number; requestId?: string}
}

/** A failure before any HTTP answer: refused, reset, timed out, or a host that does not resolve. */
function networkError(error: unknown, action: string, endpoint: string): McError | undefined {
  const e = error as SdkErrorShape & {cause?: {code?: string}}
  const code = e.code ?? e.cause?.code
  if (code && NETWORK_CODES.has(code)) {
    return new TransientError(`Cannot reach the EC2 endpoint ${endpoint} (${code}) during ${action}. Check --endpoint / ec2.endpoint and the network.`)
  }
  // A deadline passed (connect, or silence on an open connection): exit 8, not retried, as for every cloud.
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new TimeoutError(
      `The EC2 endpoint ${endpoint} did not answer ${action} in time (${redactUrl(e.message ?? code ?? 'timeout').replace(/^@smithy\/node-http-handler - /, '')}).`,
    )
  }
  const tls = code ? certificateError(code, endpoint, e.message ?? code) : undefined
  if (tls) return tls
  if (code === 'ENOTFOUND') {
    return new ProviderError(`The EC2 endpoint host in ${endpoint} does not resolve (ENOTFOUND). Check --region, --endpoint / ec2.endpoint.`, code)
  }
  return undefined
}

/**
 * One EC2 failure as mc's typed error. `action` is the API call (DescribeInstances, ...) and
 * `endpoint` where it went, so a message says what failed and where.
 */
export function mapEc2Error(error: unknown, action: string, endpoint: string): McError {
  if (error instanceof McError) return error
  const e = (error ?? {}) as SdkErrorShape
  const status = e.$metadata?.httpStatusCode
  const code = e.Code ?? e.name ?? 'Unknown'
  const raw = e.message ?? String(error)
  const message = raw.trim().replaceAll(/\s+/g, ' ')
  // By name, not instanceof: the build bundles the parser into the SDK module, a copy of these classes.
  if (e.name === 'ResponseTooLargeError') {
    return new ProviderError(`EC2 ${action} at ${endpoint} sent ${e.message ?? 'too large an answer'}; mc stopped reading it.`)
  }
  if (e.name === 'XmlSyntaxError' || e.name === 'UnexpectedBodyError') {
    // The SDK appends a hint about $response to deserialisation errors; the first line is ours.
    return new ProviderError(`EC2 ${action} answered with a body mc cannot read (${raw.split('\n')[0]}). Is ${endpoint} an EC2 endpoint?`)
  }
  if (e.name === 'CredentialsProviderError' || e.name === 'TokenProviderError') {
    return new AuthError(
      `No usable EC2 credentials: ${message}. Set ec2.accessKeyId and ec2.secretAccessKey in the mc profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws.`,
    )
  }
  const network = status === undefined ? networkError(error, action, endpoint) : undefined
  if (network) return network
  if (AUTH_CODES.has(code)) {
    return new AuthError(`EC2 refused ${action} (${code}): ${message} ${authHint(code, action)}`)
  }
  if (THROTTLE_CODES.has(code) || status === 429) {
    return new RateLimitError(`EC2 is throttling ${action} (${code}): ${message} Wait a minute and retry, or run fewer requests at once.`)
  }
  if (code.endsWith('.NotFound')) {
    return new NotFoundError(`EC2 ${action}: ${message} (${code})`)
  }
  if (SERVER_CODES.has(code) || (status !== undefined && status >= 500)) {
    return new TransientError(`EC2 ${action} failed on the server side (${code}, HTTP ${status ?? '?'}): ${message}`, code, status)
  }
  return new ProviderError(`EC2 ${action} failed (${code}): ${message}`, code, status)
}
