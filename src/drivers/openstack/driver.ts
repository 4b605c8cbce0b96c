import {NotFoundError, ProviderError, TransientError, ValidationError} from '../../core/errors.js'
import {MAX_LISTING_PAGES} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import type {CreateNodeRequest, Image, ImageFilter, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../../core/model.js'
import {retry, type RetryOptions} from '../../core/retry.js'
import type {Capability, CloudDriver} from '../types.js'
import {matchesNodeFilter, nameMatches} from '../filters.js'
import {waitUntilRunning} from '../wait.js'
import {flavorToSize, imageToImage, keypairToKeyPair, type OpenStackFlavour, serverFault, serverToNode} from './mapping.js'
import {NeutronClient} from './neutron.js'
import type {OpenStackSession} from './client.js'

export interface RegionInfo {
  name: string
  country?: string
}

export interface NovaDriverOptions {
  provider: OpenStackFlavour
  session: OpenStackSession
  /** The region of the compute endpoint in use, as the catalogue spells it. */
  region: string
  /** Every region whose catalogue entry offers this compute service. */
  regions: string[]
  capabilities: Capability[]
  /** Networks a new server joins when the request names none (Rackspace: public and ServiceNet). */
  defaultNetworks?: string[]
  /** Rackspace only exposes user data to the server through a config drive. */
  userDataNeedsConfigDrive?: boolean
  describeRegion?(region: string): RegionInfo | undefined
  /** Page size for listings; Nova caps it at its own `max_limit`. */
  pageSize?: number
  log: DebugLog
  signal?: AbortSignal
  /** Backoff for re-sending a create after a lost answer (tests shorten it). */
  retry?: RetryOptions
  /** A driver for another region of the same catalogue, sharing the credentials (`--region all`). */
  openRegion?(region: string): Promise<NovaDriver>
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Nova's metadata rules (2.1 schema): keys of these characters, keys and values at most 255 long. */
const METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/
/** Metadata that marks a server with the create request's idempotency token. */
export const CLIENT_TOKEN_KEY = 'mc-client-token'

function nextMarkerQuery(links: unknown): Record<string, string> | undefined {
  if (!Array.isArray(links)) return undefined
  const next = links.find((l) => isObject(l) && l.rel === 'next' && typeof l.href === 'string') as {href: string} | undefined
  // Only the query is taken from the link: its host may be an internal name behind the cloud's proxy.
  return next ? Object.fromEntries(new URL(next.href, 'http://link.invalid').searchParams) : undefined
}

/** The Nova (compute v2.1) driver behind both the OpenStack and the Rackspace provider. */
export class NovaDriver implements CloudDriver {
  readonly provider: OpenStackFlavour
  readonly region: string
  readonly capabilities: ReadonlySet<Capability>
  readonly startNode?: (id: string) => Promise<void>
  readonly stopNode?: (id: string) => Promise<void>
  private probeGroup?: Promise<string | undefined>

  constructor(private readonly o: NovaDriverOptions) {
    this.provider = o.provider
    this.region = o.region
    this.capabilities = new Set(o.capabilities)
    if (this.capabilities.has('startStopNode')) {
      this.startNode = (id) => this.action(id, {'os-start': null})
      this.stopNode = (id) => this.action(id, {'os-stop': null})
    }
  }

  /** Every page of a Nova listing: `limit`, then the `marker` from each `<key>_links` next link. */
  private async listAll(path: string, key: string, query: Record<string, string> = {}): Promise<Json[]> {
    const out: Json[] = []
    const seen = new Set<string>()
    let params: Record<string, string> = {...query, limit: String(this.o.pageSize ?? 1000)}
    for (;;) {
      const res = await this.o.session.request({method: 'GET', path, query: params, idempotent: true})
      const body = isObject(res.json) ? res.json : {}
      const page = body[key]
      if (!Array.isArray(page)) throw new ProviderError(`Nova's answer to GET ${path} has no "${key}" list (HTTP ${res.status}).`)
      out.push(...page.filter((item) => isObject(item)))
      const next = nextMarkerQuery(body[`${key}_links`])
      if (!next) return out
      if (!next.marker || seen.has(next.marker)) {
        throw new ProviderError(`Nova's pagination of ${path} does not advance (next marker ${next.marker ?? 'missing'}).`)
      }
      seen.add(next.marker)
      if (seen.size >= MAX_LISTING_PAGES) throw new ProviderError(`Nova's listing of ${path} goes on past ${MAX_LISTING_PAGES} pages; mc stopped reading it.`)
      params = {...params, ...next}
    }
  }

  private node(server: Json): Node {
    return serverToNode(server, this.provider, this.region)
  }

  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    const servers = await this.listAll('/servers/detail', 'servers')
    return servers.map((s) => this.node(s)).filter((n) => matchesNodeFilter(n, filter))
  }

  private async server(id: string): Promise<Json> {
    if (!id) throw new ValidationError('A node id is required.')
    const res = await this.o.session.request({
      method: 'GET',
      path: `/servers/${encodeURIComponent(id)}`,
      idempotent: true,
      subject: `Server "${id}"`,
    })
    const server = isObject(res.json) ? res.json.server : undefined
    if (!isObject(server)) throw new ProviderError(`Nova's answer to GET /servers/${id} has no "server" (HTTP ${res.status}).`)
    return server
  }

  async getNode(id: string): Promise<Node> {
    return this.node(await this.server(id))
  }

  async listImages(filter?: ImageFilter): Promise<Image[]> {
    const images = (await this.listAll('/images/detail', 'images')).map((i) => imageToImage(i, this.provider, this.region)).filter((i) => i.extra.status !== 'DELETED')
    const name = filter?.name
    const owners = filter?.owners ?? []
    if (!name && owners.length === 0) return images
    const projectId = owners.includes('self') ? (await this.o.session.connect()).token.projectId : undefined
    // "self": the project's own images (owned by its id, or Rackspace snapshots); others: owner ids.
    const owned = (i: Image) =>
      (i.owner !== undefined && owners.includes(i.owner)) || (owners.includes('self') && (i.public === false || (projectId !== undefined && i.owner === projectId)))
    return images.filter((i) => (!name || nameMatches(i.name, name)) && (owners.length === 0 || owned(i)))
  }

  async listSizes(): Promise<Size[]> {
    return (await this.listAll('/flavors/detail', 'flavors')).map((f) => flavorToSize(f, this.provider))
  }

  async listLocations(): Promise<Location[]> {
    return this.o.regions.map((region) => {
      const info = this.o.describeRegion?.(region)
      return {id: region, name: info?.name ?? region, provider: this.provider, kind: 'region', country: info?.country, extra: {}}
    })
  }

  async listRegions(): Promise<string[]> {
    return [...this.o.regions]
  }

  /** A driver for `region` with the same credentials (the token comes from the cache); the caller closes it. */
  async forRegion(region: string): Promise<NovaDriver> {
    if (!this.o.openRegion) throw new TypeError(`This ${this.provider} driver cannot open other regions.`)
    return this.o.openRegion(region)
  }

  async listKeyPairs(): Promise<KeyPair[]> {
    const res = await this.o.session.request({method: 'GET', path: '/os-keypairs', idempotent: true})
    const list = isObject(res.json) && Array.isArray(res.json.keypairs) ? res.json.keypairs : undefined
    if (!list) throw new ProviderError(`Nova's answer to GET /os-keypairs has no "keypairs" list (HTTP ${res.status}).`)
    // Each item is wrapped: {"keypair": {...}}.
    return list.filter((k) => isObject(k) && isObject(k.keypair)).map((k) => keypairToKeyPair(k.keypair as Json, this.provider))
  }

  async importKeyPair(name: string, publicKey: string): Promise<KeyPair> {
    if (!name) throw new ValidationError('A key pair name is required.')
    if (!publicKey.trim()) throw new ValidationError(`The public key for key pair "${name}" is empty.`)
    const res = await this.o.session.request({
      method: 'POST',
      path: '/os-keypairs',
      json: {keypair: {name, public_key: publicKey.trim()}},
      idempotent: false,
    })
    const keypair = isObject(res.json) ? res.json.keypair : undefined
    if (!isObject(keypair)) throw new ProviderError(`Nova's answer to POST /os-keypairs has no "keypair" (HTTP ${res.status}).`)
    return keypairToKeyPair(keypair, this.provider)
  }

  private metadataFor(request: CreateNodeRequest): Record<string, string> | undefined {
    const metadata: Record<string, string> = {...request.tags}
    if (request.clientToken) metadata[CLIENT_TOKEN_KEY] = request.clientToken
    const bad = Object.entries(metadata).filter(([k, v]) => !METADATA_KEY.test(k) || v.length > 255)
    if (bad.length > 0) {
      throw new ValidationError(
        `Nova server metadata keys may use letters, digits and "-_:. " (1-255 characters), values at most 255 characters: ${bad.map(([k]) => `"${k}"`).join(', ')} do not fit.`,
        bad.map(([k]) => ({field: `tags.${k}`, reason: 'not a valid Nova metadata entry'})),
      )
    }
    return Object.keys(metadata).length > 0 ? metadata : undefined
  }

  private async ensureKeyPair(request: CreateNodeRequest): Promise<void> {
    if (!request.keyName || !request.publicKey) return
    const known = await this.listKeyPairs()
    if (known.some((k) => k.name === request.keyName)) return
    this.o.log.line(`${this.provider}: importing key pair "${request.keyName}"`)
    await this.importKeyPair(request.keyName, request.publicKey)
  }

  /** A server an earlier try of this same create already made (same name, same client token). */
  private async findByClientToken(name: string, clientToken: string): Promise<Json | undefined> {
    // Nova's `name` filter is a regular expression; the exact match is checked here anyway.
    const servers = await this.listAll('/servers/detail', 'servers', {name: `^${name.replaceAll(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)}$`})
    return servers.find((s) => s.name === name && isObject(s.metadata) && s.metadata[CLIENT_TOKEN_KEY] === clientToken)
  }

  async createNode(request: CreateNodeRequest): Promise<Node> {
    if (!request.name) throw new ValidationError('A node name is required.')
    if (!request.image) throw new ValidationError('An image id is required (see "mc images list").')
    const {size: flavorRef} = request
    if (!flavorRef) throw new ValidationError('A size (flavor) id is required (see "mc sizes list").')
    const server: Json = {name: request.name, imageRef: request.image, flavorRef}
    if (request.location && request.location.toLowerCase() !== this.region.toLowerCase()) {
      if (this.o.regions.some((r) => r.toLowerCase() === request.location?.toLowerCase())) {
        throw new ValidationError(`This ${this.provider} driver speaks to ${this.region}; to create in ${request.location}, pass --region ${request.location}.`)
      }
      // Not a region of this cloud: an availability zone within this one.
      server.availability_zone = request.location
    }
    const metadata = this.metadataFor(request)
    if (metadata) server.metadata = metadata
    if (request.userData !== undefined) {
      server.user_data = Buffer.from(request.userData, 'utf8').toString('base64')
      if ((server.user_data as string).length > 65_535) throw new ValidationError("User data is over Nova's limit of 65,535 bytes once base64-encoded.")
      if (this.o.userDataNeedsConfigDrive) server.config_drive = true
    }
    const networks = request.networks?.length ? request.networks : this.o.defaultNetworks
    if (networks?.length) server.networks = networks.map((uuid) => ({uuid}))
    if (request.allowSshAndIcmp && this.provider === 'openstack') {
      const group = await this.probeSecurityGroup()
      if (group) server.security_groups = [{name: 'default'}, {name: group}]
    }
    await this.ensureKeyPair(request)
    if (request.keyName) server.key_name = request.keyName

    const post = async (): Promise<string> => {
      const res = await this.o.session.request({method: 'POST', path: '/servers', json: {server}, idempotent: false})
      const created = isObject(res.json) && isObject(res.json.server) ? res.json.server : undefined
      if (!created || (typeof created.id !== 'string' && typeof created.id !== 'number')) {
        throw new ProviderError(`Nova's answer to POST /servers has no server id (HTTP ${res.status}).`)
      }
      return String(created.id)
    }
    const {clientToken} = request
    const id = clientToken
      ? await retry(
          async () => {
            const existing = await this.findByClientToken(request.name, clientToken)
            if (existing) {
              this.o.log.line(`${this.provider}: server ${String(existing.id)} already carries client token ${clientToken}`)
              return String(existing.id)
            }
            return post()
          },
          // With the token checked first, a lost answer can be retried without making a second server.
          {signal: this.o.signal, ...this.o.retry, isRetryable: (error) => error instanceof TransientError},
        )
      : await post()
    return this.getNode(id)
  }

  /**
   * The id of the `mc-probe` security group (Neutron), once per driver however many nodes are created
   * at once; named by id so that a second group of the same name elsewhere cannot make it ambiguous.
   * Rackspace has no security groups, and a cloud without Neutron leaves the project's default group.
   */
  private probeSecurityGroup(): Promise<string | undefined> {
    this.probeGroup ??= (async () => {
      const neutron = new NeutronClient({session: this.o.session, region: this.region, log: this.o.log, signal: this.o.signal, retry: this.o.retry})
      if (!(await neutron.available())) {
        this.o.log.line(`openstack: no network service in ${this.region}'s catalogue; the server gets the project's default security group`)
        return
      }
      return neutron.ensureProbeGroup()
    })()
    // A failure is not kept: the next create asks again.
    this.probeGroup.catch(() => {
      this.probeGroup = undefined
    })
    return this.probeGroup
  }

  async destroyNode(id: string): Promise<void> {
    if (!id) throw new ValidationError('A node id is required.')
    await this.o.session.request({method: 'DELETE', path: `/servers/${encodeURIComponent(id)}`, idempotent: true, subject: `Server "${id}"`})
  }

  private async action(id: string, body: Json): Promise<void> {
    if (!id) throw new ValidationError('A node id is required.')
    await this.o.session.request({
      method: 'POST',
      path: `/servers/${encodeURIComponent(id)}/action`,
      json: body,
      idempotent: false,
      subject: `Server "${id}"`,
    })
  }

  async rebootNode(id: string, options?: {hard?: boolean}): Promise<void> {
    await this.action(id, {reboot: {type: options?.hard ? 'HARD' : 'SOFT'}})
  }

  async waitUntilRunning(id: string, options: WaitOptions = {}): Promise<Node> {
    // The last server seen, for the fault Nova records when a build fails.
    let last: Json | undefined
    return waitUntilRunning(
      {
        what: `server "${id}" to become ACTIVE`,
        getNode: async () => {
          last = await this.server(id)
          return this.node(last)
        },
        defaults: {timeoutMs: 15 * 60_000, pollMs: 2000},
        failure(node) {
          const fault = last && serverFault(last)
          if (node.state === 'error') return new ProviderError(`Server "${id}" went to ERROR while building${fault ? `: ${fault}` : ''}.`, 'ERROR')
          if (node.state === 'terminated') return new NotFoundError(`Server "${id}" was deleted while waiting for it to become ACTIVE.`)
        },
        running: (node) => node.providerState.toUpperCase() === 'ACTIVE',
        signal: this.o.signal,
      },
      options,
    )
  }
}
