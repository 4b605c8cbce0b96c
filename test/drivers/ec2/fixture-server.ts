import {readFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ec2')

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8')
}

export interface RecordedRequest {
  action: string
  params: URLSearchParams
  headers: IncomingMessage['headers']
  method: string
}

export interface Reply {
  status?: number
  body: string
  headers?: Record<string, string>
}

export type Handler = (request: RecordedRequest) => Reply | undefined

/** Recorded bodies for each EC2 action (Libcloud's, plus mc's own where Libcloud has none). */
const DEFAULT_FIXTURES: Record<string, string> = {
  DescribeInstances: 'describe_instances.xml',
  DescribeImages: 'describe_images.xml',
  DescribeAvailabilityZones: 'describe_availability_zones.xml',
  DescribeRegions: 'mc_describe_regions.xml',
  DescribeInstanceTypes: 'mc_describe_instance_types.xml',
  DescribeKeyPairs: 'describe_key_pairs.xml',
  ImportKeyPair: 'import_key_pair.xml',
  RunInstances: 'run_instances.xml',
  TerminateInstances: 'terminate_instances.xml',
  RebootInstances: 'reboot_instances.xml',
  StartInstances: 'start_instances.xml',
  StopInstances: 'mc_stop_instances.xml',
  DescribeSecurityGroups: 'describe_security_groups.xml',
  CreateSecurityGroup: 'create_security_group.xml',
  AuthorizeSecurityGroupIngress: 'authorize_security_group_ingress.xml',
}

export function ec2Error(code: string, message: string, status = 400): Reply {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>5dabd361-d2e0-4f79-937d-4b2852a3b719</RequestID></Response>`,
  }
}

/**
 * EC2 over HTTP on 127.0.0.1 from recorded responses: the real SDK client talks to it. Like EC2, it
 * reads Query parameters from the form body (and the URL, as GET clients send them). Handlers added
 * with `on` answer first; an unknown instance id gets EC2's InvalidInstanceID.NotFound.
 */
export class FixtureServer {
  readonly requests: RecordedRequest[] = []
  /** Hold each answer this long, so concurrency shows in `maxInFlight`. */
  delayMs = 0
  /** The most requests being answered at the same time. */
  maxInFlight = 0
  private inFlight = 0
  private readonly handlers: Handler[] = []
  private readonly server = createServer(this.handle.bind(this))
  url = ''

  async start(): Promise<this> {
    await new Promise<void>((resolve) => {
      this.server.listen(0, '127.0.0.1', resolve)
    })
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  on(handler: Handler): this {
    this.handlers.unshift(handler)
    return this
  }

  reset(): void {
    this.handlers.length = 0
    this.requests.length = 0
    this.delayMs = 0
    this.maxInFlight = 0
  }

  actions(): string[] {
    return this.requests.map((r) => r.action)
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
    })
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    res.on('close', () => this.inFlight--)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const params = new URL(req.url ?? '/', 'http://x').searchParams
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString())) params.append(k, v)
      const request: RecordedRequest = {action: params.get('Action') ?? '', params, headers: req.headers, method: req.method ?? ''}
      this.requests.push(request)
      const reply = this.reply(request)
      setTimeout(() => {
        res.writeHead(reply.status ?? 200, {'content-type': 'text/xml;charset=UTF-8', ...reply.headers})
        res.end(reply.body)
      }, this.delayMs)
    })
  }

  private reply(request: RecordedRequest): Reply {
    for (const handler of this.handlers) {
      const reply = handler(request)
      if (reply) return reply
    }
    const file = DEFAULT_FIXTURES[request.action]
    if (!file) return ec2Error('InvalidAction', `The action ${request.action} is not valid for this web service.`)
    const body = fixture(file)
    const id = request.params.get('InstanceId.1')
    if (request.action === 'DescribeInstances' && id && !body.includes(`<instanceId>${id}</instanceId>`)) {
      return ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
    }
    return {body}
  }
}
