/**
 * Everything the EC2 driver takes from the AWS SDK at run time, in one module: the build bundles
 * this file (scripts/bundle-ec2-sdk.mjs) so loading it reads only the commands mc sends instead of
 * the whole @aws-sdk/client-ec2 package. Other driver files import SDK *types* only.
 */
export {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ImportKeyPairCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2'
import {EC2Client} from '@aws-sdk/client-ec2'
import {AwsEc2QueryProtocol} from '@aws-sdk/core/protocols'
import {collectBody} from '@smithy/core/protocols'
import {NodeHttpHandler} from '@smithy/node-http-handler'
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HandlerExecutionContext,
  HttpResponse,
  MetadataBearer,
  NodeHttpHandlerOptions,
  OperationSchema,
  SerdeFunctions,
} from '@smithy/types'

import {Transform} from 'node:stream'

import type {DebugLog} from '../../core/log.js'
import type {CredentialSource} from './credentials.js'
import {readDescribeInstances} from './describe-instances.js'

function operationName(schema: OperationSchema): string {
  return schema.name.split('#')[1] ?? schema.name
}

/**
 * EC2 Query with a fast path for successful DescribeInstances bodies (see describe-instances.ts).
 * Requests, signing, retries and error bodies stay with the SDK.
 */
class FastListEc2QueryProtocol extends AwsEc2QueryProtocol {
  override async deserializeResponse<Output extends MetadataBearer>(
    operationSchema: OperationSchema,
    context: HandlerExecutionContext & SerdeFunctions,
    response: HttpResponse,
  ): Promise<Output> {
    if (response.statusCode >= 300 || operationName(operationSchema) !== 'DescribeInstances') {
      return super.deserializeResponse(operationSchema, context, response)
    }
    const bytes = await collectBody(response.body, context)
    const page = readDescribeInstances(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
    return {...page, $metadata: this.deserializeMetadata(response)} as unknown as Output
  }
}

/** The agents are the process's (core/http), shared by every client: closing one client must not close them. */
class SharedAgentsHttpHandler extends NodeHttpHandler {
  override destroy(): void {}
}

/** Credentials as the SDK resolves them for one source; the client caches and refreshes them. */
export function credentialProvider(source: CredentialSource, env: NodeJS.ProcessEnv): AwsCredentialIdentityProvider {
  switch (source.kind) {
    case 'static': {
      const identity: AwsCredentialIdentity = {
        accessKeyId: source.accessKeyId,
        secretAccessKey: source.secretAccessKey,
        sessionToken: source.sessionToken,
        expiration: source.expiration ? new Date(source.expiration) : undefined,
      }
      return async () => identity
    }
    case 'shared': {
      return async (properties) => {
        const {fromIni} = await import('@aws-sdk/credential-provider-ini')
        const {files} = source
        return fromIni({profile: files.profile, filepath: files.credentialsFile, configFilepath: files.configFile})(properties)
      }
    }
    case 'webIdentity': {
      return async (properties) => {
        const {fromTokenFile} = await import('@aws-sdk/credential-provider-web-identity')
        return fromTokenFile({
          webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE,
          roleArn: env.AWS_ROLE_ARN,
          roleSessionName: env.AWS_ROLE_SESSION_NAME,
        })(properties)
      }
    }
    case 'container': {
      return async () => {
        const {fromHttp} = await import('@aws-sdk/credential-provider-http')
        return fromHttp({
          awsContainerCredentialsFullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
          awsContainerCredentialsRelativeUri: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
          awsContainerAuthorizationToken: env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
        })()
      }
    }
    case 'instance': {
      // Only here, asked for with ec2.credentialSource=instance, does mc talk to 169.254.169.254.
      return async () => {
        const {fromInstanceMetadata} = await import('@smithy/credential-provider-imds')
        return fromInstanceMetadata({timeout: 1000, maxRetries: 1})()
      }
    }
  }
}

export interface Ec2ClientOptions {
  region: string
  /** Replaces https://ec2.<region>.amazonaws.com. */
  endpoint?: string
  credentials: AwsCredentialIdentityProvider
  log: DebugLog
  /** Read DescribeInstances with the SDK's own deserialiser (MC_EC2_SDK_PARSER=1; also used to check the fast path). */
  sdkParser?: boolean
  /**
   * The agents (proxy, CAs) and the connect and idle timeouts: core/http's, the same as every other
   * cloud's. Given by the driver, so this bundle holds no copy of core/http and its agent cache.
   */
  http?: () => Promise<NodeHttpHandlerOptions>
  /** The largest answer read (bytes). */
  maxBodyBytes?: number
}

/** An answer larger than NetworkOptions.maxBodyBytes (matched by name: the bundle has its own copy of this class). */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError'
}

/** The response body as a stream that fails once more than `max` bytes came through. */
function capBody(response: HttpResponse, max: number): void {
  const body = response.body as NodeJS.ReadableStream | undefined
  if (!body || typeof body.pipe !== 'function' || (body as {mcCapped?: boolean}).mcCapped) return
  if (Number(response.headers['content-length']) > max) throw new ResponseTooLargeError(`the answer is larger than ${Math.round(max / 1024 / 1024)} MB`)
  let size = 0
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size > max) callback(new ResponseTooLargeError(`the answer is larger than ${Math.round(max / 1024 / 1024)} MB`))
      else callback(null, chunk)
    },
  })
  body.on('error', (error: Error) => capped.destroy(error))
  Object.assign(capped, {mcCapped: true})
  response.body = body.pipe(capped)
}

export function createEc2Client(options: Ec2ClientOptions): EC2Client {
  const client = new EC2Client({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    // mc retries with its own backoff (core/retry) on the typed errors, so the SDK sends each call once.
    maxAttempts: 1,
    // 'auto' would ask the instance metadata address which region it runs in; mc never probes it unasked.
    defaultsMode: 'legacy',
    // The same keep-alive agents (proxy, CAs) as Linode and OpenStack; the whole-call budget is the driver's abort signal.
    // The same keep-alive agents (proxy, CAs) as Linode and OpenStack; the whole-call budget is the driver's abort signal.
    requestHandler: options.http ? new SharedAgentsHttpHandler(options.http) : {connectionTimeout: 10_000, socketTimeout: 30_000},
    userAgentAppId: 'mc',
    ...(options.sdkParser ? {} : {protocol: FastListEc2QueryProtocol}),
  })
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args)
      capBody(result.response as HttpResponse, maxBody)
      return result
    },
    {step: 'deserialize', priority: 'low', name: 'mcBodyCap'},
  )
  if (options.log.enabled) addDebugLogging(client, options.log, maxBody)
  return client
}

/**
 * Log each request as signed and each response as received, through DebugLog (which redacts the
 * Authorization header, tokens and key material). Runs innermost, between the deserialiser and the
 * HTTP handler; it reads the response body into memory so it can be logged and then parsed.
 */
function addDebugLogging(client: EC2Client, log: DebugLog, maxBody: number): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {method: string; protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string>; body?: unknown}
      const url = `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`
      log.request(request.method, url, request.headers, typeof request.body === 'string' ? request.body : undefined)
      const result = await next(args)
      const response = result.response as HttpResponse
      capBody(response, maxBody)
      const bytes = await collectBody(response.body, client.config)
      response.body = bytes
      log.response(response.statusCode, url, response.headers, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
      return result
    },
    {step: 'deserialize', priority: 'low', name: 'mcDebugLog'},
  )
}
