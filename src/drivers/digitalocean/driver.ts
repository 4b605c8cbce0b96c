import {NotFoundError, ProviderError, ValidationError} from '../../core/errors.js'
import type {CreateNodeRequest, Image, ImageFilter, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../../core/model.js'
import {matchesNodeFilter, nameMatches} from '../filters.js'
import type {Capability, CloudDriver} from '../types.js'
import {waitUntilRunning} from '../wait.js'
import type {CreateDropletRequest, CreateFirewallRequest, DoDroplet, DoFirewall, DoImage, DoRegion, DoSize, DoSshKey} from './api-types.js'
import type {DigitalOceanClient} from './client.js'
import {formatTags, toImage, toKeyPair, toLocation, toNode, toSize} from './mapping.js'

/** The firewall mc creates (or reuses) for probes: SSH and ICMP in from anywhere, everything out. */
export const PROBE_FIREWALL = 'mc-probes-ssh-icmp'
const ANYWHERE = {addresses: ['0.0.0.0/0', '::/0']}

/** DigitalOcean's rules for Droplet names (the spec's pattern) and tags (letters, digits, "_", "-", ":"; at most 255). */
const NAME_PATTERN = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/
const TAG_PATTERN = /^[\w:-]{1,255}$/

function checkName(name: string): void {
  if (name.length > 255 || !NAME_PATTERN.test(name)) {
    const reason = 'must be letters, digits, "." and "-", starting and ending with a letter or digit, at most 255 characters'
    throw new ValidationError(`DigitalOcean Droplet name "${name}" ${reason}.`, [{field: 'name', reason}])
  }
}

function dropletTags(tags: Readonly<Record<string, string>> | undefined): string[] | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined
  const strings = formatTags(tags)
  const bad = strings.filter((t) => !TAG_PATTERN.test(t) || t.startsWith(':'))
  if (bad.length > 0) {
    const reason = 'a tag ("key:value", or "key" when the value is empty) may hold only letters, digits, "_", "-" and ":", at most 255 characters'
    throw new ValidationError(`DigitalOcean tag(s) ${bad.map((t) => `"${t}"`).join(', ')}: ${reason}.`, [{field: 'tags', reason}])
  }
  return strings
}

/** Droplet ids are integers; anything else cannot name one (and would reach another path). */
function dropletPath(id: string): string {
  if (!/^\d+$/.test(id)) throw new NotFoundError(`No Droplet with id "${id}": DigitalOcean Droplet ids are numbers.`)
  return `droplets/${id}`
}

export class DigitalOceanDriver implements CloudDriver {
  readonly provider = 'digitalocean' as const
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['createNode', 'destroyNode', 'rebootNode', 'importKeyPair', 'securityGroups', 'tags', 'userData'])

  /** `region` is the default for new Droplets ('' when none is set): DigitalOcean's listings are global. */
  constructor(
    private readonly client: DigitalOceanClient,
    readonly region: string,
    private readonly signal?: AbortSignal,
  ) {}

  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    const droplets = await this.client.listAll<DoDroplet>('droplets', 'droplets')
    return droplets.map((d) => toNode(d)).filter((node) => matchesNodeFilter(node, filter))
  }

  async getNode(id: string): Promise<Node> {
    const body = await this.client.get<{droplet: DoDroplet}>(dropletPath(id), {notFound: `No Droplet with id ${id}`})
    return toNode(body.droplet)
  }

  /** Distribution images and the account's own (snapshots, custom images); `owners: ['self']` keeps only the latter. */
  async listImages(filter?: ImageFilter): Promise<Image[]> {
    const images = (await this.client.listAll<DoImage>('images', 'images')).map((i) => toImage(i))
    return images.filter((image) => {
      const owners = filter?.owners
      if (owners && !owners.some((o) => (o === 'self' ? image.public === false : o === 'digitalocean' && image.public === true))) return false
      return !filter?.name || nameMatches(image.name, filter.name) || nameMatches(image.id, filter.name)
    })
  }

  async listSizes(): Promise<Size[]> {
    return (await this.client.listAll<DoSize>('sizes', 'sizes')).map((s) => toSize(s))
  }

  async listLocations(): Promise<Location[]> {
    return (await this.client.listAll<DoRegion>('regions', 'regions')).map((r) => toLocation(r))
  }

  async listKeyPairs(): Promise<KeyPair[]> {
    return (await this.client.listAll<DoSshKey>('account/keys', 'ssh_keys')).map((k) => toKeyPair(k))
  }

  async importKeyPair(name: string, publicKey: string): Promise<KeyPair> {
    const body = await this.client.post<{ssh_key: DoSshKey}>('account/keys', {name, public_key: publicKey.trim()})
    return toKeyPair(body.ssh_key)
  }

  async createNode(request: CreateNodeRequest): Promise<Node> {
    checkName(request.name)
    const region = request.location ?? this.region
    if (!region) {
      throw new ValidationError('A new Droplet needs a region: pass --region (e.g. nyc3) or set digitalocean.region in the mc profile.', [{field: 'region', reason: 'required'}])
    }
    if (request.networks && request.networks.length > 0) {
      throw new ValidationError('The DigitalOcean driver does not attach VPCs: leave out networks.', [{field: 'networks', reason: 'not supported'}])
    }
    const tags = dropletTags(request.tags)
    const sshKeys = await this.sshKeys(request)
    const firewall = request.allowSshAndIcmp ? await this.probeFirewall() : undefined
    // No clientToken: DigitalOcean has no idempotency key, so mc never repeats this POST (client.ts).
    const body: CreateDropletRequest = {
      name: request.name,
      region,
      size: request.size,
      image: /^\d+$/.test(request.image) ? Number(request.image) : request.image,
      ipv6: true,
      ...(sshKeys && {ssh_keys: sshKeys}),
      ...(tags && {tags}),
      ...(request.userData !== undefined && {user_data: request.userData}),
    }
    const created = toNode((await this.client.post<{droplet: DoDroplet}>('droplets', body)).droplet)
    if (firewall?.id) {
      try {
        await this.client.post<unknown>(`firewalls/${firewall.id}/droplets`, {droplet_ids: [Number(created.id)]})
      } catch (error) {
        // A Droplet that should have been behind the firewall and is not: do not leave it running.
        await this.destroyNode(created.id).catch(() => {})
        throw error
      }
    }
    return created
  }

  /** The account's key named keyName (imported first when new), by id; or nothing (the Droplet gets no key). */
  private async sshKeys(request: CreateNodeRequest): Promise<number[] | undefined> {
    if (!request.keyName) {
      if (!request.publicKey) return undefined
      throw new ValidationError('DigitalOcean puts only account SSH keys on a Droplet: give the key a name (keyName) so mc can import it.', [
        {field: 'keyName', reason: 'required with publicKey'},
      ])
    }
    const known = (await this.listKeyPairs()).find((k) => k.name === request.keyName)
    if (known?.id) return [Number(known.id)]
    if (!request.publicKey) {
      throw new NotFoundError(`No SSH key named "${request.keyName}" in this DigitalOcean account; import it first or give its public key.`)
    }
    const imported = await this.importKeyPair(request.keyName, request.publicKey)
    return [Number(imported.id)]
  }

  /** mc's probe firewall, made on first use and reused after, like EC2's probe security group. */
  private async probeFirewall(): Promise<DoFirewall> {
    const existing = (await this.client.listAll<DoFirewall>('firewalls', 'firewalls')).find((f) => f.name === PROBE_FIREWALL)
    if (existing) return existing
    const body: CreateFirewallRequest = {
      name: PROBE_FIREWALL,
      inbound_rules: [
        {protocol: 'tcp', ports: '22', sources: ANYWHERE},
        // DigitalOcean ignores ports for ICMP; its spec requires the field.
        {protocol: 'icmp', ports: '0', sources: ANYWHERE},
      ],
      outbound_rules: [
        {protocol: 'tcp', ports: 'all', destinations: ANYWHERE},
        {protocol: 'udp', ports: 'all', destinations: ANYWHERE},
        {protocol: 'icmp', ports: '0', destinations: ANYWHERE},
      ],
    }
    return (await this.client.post<{firewall: DoFirewall}>('firewalls', body)).firewall
  }

  async destroyNode(id: string): Promise<void> {
    await this.client.delete(dropletPath(id), {notFound: `No Droplet with id ${id}`})
  }

  /** A soft reboot asks the OS; `hard` power-cycles. */
  async rebootNode(id: string, options?: {hard?: boolean}): Promise<void> {
    await this.client.post<unknown>(`${dropletPath(id)}/actions`, {type: options?.hard ? 'power_cycle' : 'reboot'}, {notFound: `No Droplet with id ${id}`})
  }

  async waitUntilRunning(id: string, options: WaitOptions = {}): Promise<Node> {
    return waitUntilRunning(
      {
        what: `Droplet ${id} to be running`,
        getNode: () => this.getNode(id),
        defaults: {timeoutMs: 10 * 60_000, pollMs: 3000},
        // "off" or "archive" while waiting is not a boot in progress: someone powered it off.
        failure: (node) => (node.state === 'stopped' ? new ProviderError(`Droplet ${id} is ${node.providerState} and will not reach running.`, node.providerState) : undefined),
        signal: this.signal,
      },
      options,
    )
  }
}
