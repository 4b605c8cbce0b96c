import {createServer} from 'node:net'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {AuthError, ExitCode, NotFoundError, ProviderError, RateLimitError, TransientError} from '../../../src/core/errors.js'
import {ec2Error, fixture, FixtureServer} from './fixture-server.js'
import {closeDrivers, ec2Settings, openDriver, SECRET_ACCESS_KEY, tempHome} from './helpers.js'

const server = new FixtureServer()
const {home, cleanup} = tempHome()

beforeAll(async () => {
  await server.start()
})
afterEach(async () => {
  server.reset()
  await closeDrivers()
})
afterAll(async () => {
  await server.stop()
  cleanup()
})

const open = () => openDriver(ec2Settings(server.url, home))

/** Every DescribeInstances answered with this EC2 error body (HTTP 400 unless said). */
function failListing(code: string, message: string, status?: number) {
  server.on((r) => (r.action === 'DescribeInstances' ? ec2Error(code, message, status) : undefined))
}

describe('ec2 error mapping (EC2 error bodies over HTTP, parsed by the SDK)', () => {
  it.each([
    ['AuthFailure', 'AWS was not able to validate the provided access credentials'],
    ['InvalidClientTokenId', 'The security token included in the request is invalid.'],
    ['SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.'],
  ])('%s is an AuthError (exit 3) that says what to check', async (code, message) => {
    failListing(code, message, 401)
    const error = await (await open()).listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).exitCode).toBe(ExitCode.auth)
    expect((error as Error).message).toContain(`EC2 refused DescribeInstances (${code}): ${message}`)
    expect((error as Error).message).toMatch(/access key id and secret/)
    expect(server.requests).toHaveLength(1)
  })

  it('UnauthorizedOperation is an AuthError naming the IAM permission to grant', async () => {
    failListing('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)
    await expect((await open()).listNodes()).rejects.toSatisfy((e: unknown) => e instanceof AuthError && e.message.includes('grant ec2:DescribeInstances'))
  })

  it.each([
    ['InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist"],
    ['InvalidAMIID.NotFound', "The image id '[ami-1]' does not exist"],
    ['InvalidKeyPair.NotFound', "The key pair 'k' does not exist"],
  ])('%s is a NotFoundError (exit 4)', async (code, message) => {
    failListing(code, message)
    const error = await (await open()).listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as NotFoundError).exitCode).toBe(ExitCode.notFound)
    expect((error as Error).message).toBe(`EC2 DescribeInstances: ${message} (${code})`)
  })

  it('any other code is a ProviderError carrying EC2 code, message and HTTP status', async () => {
    server.on((r) => (r.action === 'RunInstances' ? {status: 400, body: fixture('run_instances_idem_mismatch.xml')} : undefined))
    const error = await (await open()).createNode({name: 'n', image: 'ami-1', size: 't3.micro'}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).not.toBeInstanceOf(TransientError)
    expect(error).toMatchObject({
      providerCode: 'IdempotentParameterMismatch',
      status: 400,
      exitCode: ExitCode.provider,
      message: 'EC2 RunInstances failed (IdempotentParameterMismatch): Arguments on this idempotent request are inconsistent with arguments used in previous request(s).',
    })
  })

  it('RequestLimitExceeded is retried with backoff and succeeds when EC2 lets up', async () => {
    let throttled = 2
    server.on((r) => (r.action === 'DescribeInstances' && throttled-- > 0 ? ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503) : undefined))
    const nodes = await (await open()).listNodes()
    expect(nodes).toHaveLength(2)
    expect(server.actions()).toEqual(['DescribeInstances', 'DescribeInstances', 'DescribeInstances'])
  })

  it('RequestLimitExceeded that never lets up becomes a RateLimitError (exit 6) after five tries', async () => {
    failListing('RequestLimitExceeded', 'Request limit exceeded.', 503)
    const error = await (await open()).listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).exitCode).toBe(ExitCode.rateLimit)
    expect(server.requests).toHaveLength(5)
  }, 40_000)

  it('a 5xx InternalError is transient: retried, then reported with its code', async () => {
    let failures = 1
    server.on((r) => (r.action === 'DescribeInstances' && failures-- > 0 ? ec2Error('InternalError', 'An internal error has occurred', 500) : undefined))
    expect(await (await open()).listNodes()).toHaveLength(2)
    expect(server.requests).toHaveLength(2)
  })

  it('a body that is not EC2 XML is a ProviderError saying so', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: '<html><body>captive portal</body></html>'} : undefined))
    await expect((await open()).listNodes()).rejects.toThrow(/DescribeInstances answered with a body mc cannot read \(expected <DescribeInstancesResponse>, got <html>\)/)
  })

  it('an endpoint nobody listens on is a TransientError naming it, after retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const {port: free} = probe.address() as {port: number}
        probe.close(() => resolve(free))
      })
    })
    const driver = await openDriver(ec2Settings(`http://127.0.0.1:${port}`, home))
    const error = await driver.listKeyPairs().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TransientError)
    expect((error as Error).message).toContain(`Cannot reach the EC2 endpoint http://127.0.0.1:${port} (ECONNREFUSED)`)
  }, 40_000)

  it('never puts the secret key in an error message', async () => {
    failListing('AuthFailure', `AWS was not able to validate ${SECRET_ACCESS_KEY}`, 401)
    const error = (await (await open()).listNodes().catch((error_: unknown) => error_)) as Error
    // EC2 never echoes secrets, but if a server did, the CLI's redaction (registered on load) scrubs it.
    const {redactString} = await import('../../../src/core/redact.js')
    expect(redactString(error.message)).not.toContain(SECRET_ACCESS_KEY)
  })
})
