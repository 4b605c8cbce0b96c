import {randomInt} from 'node:crypto'

import {NotFoundError, ValidationError} from '../../core/errors.js'
import type {CreateNodeRequest, Image, ImageFilter, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../../core/model.js'
import {registerSecret} from '../../core/redact.js'
import {matchesNodeFilter, nameMatches} from '../filters.js'
import type {Capability, CloudDriver} from '../types.js'
import type {AddSshKeyRequest, CreateLinodeRequest, LinodeImage, LinodeInstance, LinodeRegion, LinodeSshKey, LinodeType, RebootLinodeRequest} from './api-types.js'
import {waitUntilRunning} from '../wait.js'
import type {LinodeClient} from './client.js'
import {formatTags, toImage, toKeyPair, toLocation, toNode, toSize} from './mapping.js'

/** The largest page the spec allows for instances, images and SSH keys: fewest round trips. */
const PAGE_SIZE = 500

/** Linode's rule for instance labels (the spec's pattern and 3..64 length). */
export const LABEL_PATTERN = /^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$/
/** Linode's rule for tags (3..50 characters, the spec's tag label). */
const TAG_LENGTH = {min: 3, max: 50}

const PASSWORD_CLASSES = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_.+=!@#%^*']

/**
 * A root password nobody will ever see: Linode requires one on create even when SSH keys are
 * given. 32 characters from 4 classes (about 196 bits), every class present, which Linode's
 * strength check accepts. It is registered as a secret so no debug line can show it.
 */
function strongRootPassword(length = 32): string {
  const alphabet = PASSWORD_CLASSES.join('')
  for (;;) {
    const password = Array.from({length}, () => alphabet[randomInt(alphabet.length)]).join('')
    if (PASSWORD_CLASSES.every((chars) => [...password].some((c) => chars.includes(c)))) {
      registerSecret(password)
      return password
    }
  }
}

function checkLabel(label: string): void {
  if (label.length < 3 || label.length > 64 || !LABEL_PATTERN.test(label)) {
    const reason = 'must be 3-64 characters: letters, digits, "-", "_" and ".", starting with a letter, without "--", "__" or ".."'
    throw new ValidationError(`Linode label "${label}" ${reason}.`, [{field: 'label', reason}])
  }
}

function linodeTags(tags: Readonly<Record<string, string>> | undefined): string[] | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined
  const bad = Object.keys(tags).filter((key) => key === '' || key.includes('='))
  if (bad.length > 0) {
    const reason = 'a tag key must be non-empty and must not contain "="'
    throw new ValidationError(`Linode tag key(s) ${bad.map((k) => `"${k}"`).join(', ')}: ${reason}.`, [{field: 'tags', reason}])
  }
  const strings = formatTags(tags)
  const wrong = strings.filter((t) => t.length < TAG_LENGTH.min || t.length > TAG_LENGTH.max)
  if (wrong.length > 0) {
    const reason = `each tag ("key=value", or "key" when the value is empty) must be ${TAG_LENGTH.min}-${TAG_LENGTH.max} characters`
    throw new ValidationError(`Linode tag(s) ${wrong.map((t) => `"${t}"`).join(', ')}: ${reason}.`, [{field: 'tags', reason}])
  }
  return strings
}

/** Linode ids are integers; anything else cannot name a Linode (and would break the API's path rule). */
function instancePath(id: string): string {
  if (!/^\d+$/.test(id)) throw new NotFoundError(`No Linode with id "${id}": Linode ids are numbers.`)
  return `linode/instances/${id}`
}

export class LinodeDriver implements CloudDriver {
  readonly provider = 'linode' as const
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['createNode', 'destroyNode', 'rebootNode', 'importKeyPair', 'tags', 'userData'])

  /**
   * `region` is the default region for new nodes ('' when none is configured). Linode's API is
   * global: listings cover every region whatever it is.
   */
  constructor(
    private readonly client: LinodeClient,
    readonly region: string,
    private readonly signal?: AbortSignal,
  ) {}

  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    const instances = await this.client.listAll<LinodeInstance>('linode/instances', {pageSize: PAGE_SIZE})
    return instances.map((i) => toNode(i)).filter((node) => matchesNodeFilter(node, filter))
  }

  async getNode(id: string): Promise<Node> {
    return toNode(await this.client.get<LinodeInstance>(instancePath(id), {notFound: `No Linode with id ${id}`}))
  }

  async listImages(filter?: ImageFilter): Promise<Image[]> {
    const images = (await this.client.listAll<LinodeImage>('images', {pageSize: PAGE_SIZE})).map((i) => toImage(i))
    return images.filter((image) => {
      // "self" is the account's own (private) images, as with EC2 owners; else Linode's created_by.
      const owners = filter?.owners
      if (owners && !owners.some((o) => (o === 'self' ? image.public === false : o === image.owner))) return false
      return !filter?.name || nameMatches(image.name, filter.name) || nameMatches(image.id, filter.name)
    })
  }

  async listSizes(): Promise<Size[]> {
    return (await this.client.listAll<LinodeType>('linode/types')).map((t) => toSize(t))
  }

  async listLocations(): Promise<Location[]> {
    return (await this.client.listAll<LinodeRegion>('regions')).map((r) => toLocation(r))
  }

  async listKeyPairs(): Promise<KeyPair[]> {
    return (await this.client.listAll<LinodeSshKey>('profile/sshkeys', {pageSize: PAGE_SIZE})).map((k) => toKeyPair(k))
  }

  async importKeyPair(name: string, publicKey: string): Promise<KeyPair> {
    const body: AddSshKeyRequest = {label: name, ssh_key: publicKey.trim()}
    return toKeyPair(await this.client.post<LinodeSshKey>('profile/sshkeys', body))
  }

  async createNode(request: CreateNodeRequest): Promise<Node> {
    checkLabel(request.name)
    const region = request.location ?? this.region
    if (!region) {
      throw new ValidationError('A new Linode needs a region: pass --region (e.g. us-east) or set linode.region in the mc profile.', [{field: 'region', reason: 'required'}])
    }
    if (request.networks && request.networks.length > 0) {
      throw new ValidationError('The Linode driver does not attach VLANs or VPCs: leave out networks.', [{field: 'networks', reason: 'not supported'}])
    }
    const tags = linodeTags(request.tags)
    const authorizedKeys = await this.authorizedKeys(request)
    // No allowSshAndIcmp work: a Linode has no firewall unless one is attached. No clientToken
    // either: Linode has none, but labels are unique per account, so a repeated create is refused.
    const body: CreateLinodeRequest = {
      type: request.size,
      region,
      image: request.image,
      label: request.name,
      root_pass: strongRootPassword(),
      booted: true,
      ...(authorizedKeys && {authorized_keys: authorizedKeys}),
      ...(tags && {tags}),
      ...(request.userData !== undefined && {metadata: {user_data: Buffer.from(request.userData).toString('base64')}}),
    }
    return toNode(await this.client.post<LinodeInstance>('linode/instances', body))
  }

  /** Public keys for root: the profile key named keyName (imported first when new), or publicKey. */
  private async authorizedKeys(request: CreateNodeRequest): Promise<string[] | undefined> {
    if (!request.keyName) return request.publicKey ? [request.publicKey.trim()] : undefined
    const known = (await this.listKeyPairs()).find((k) => k.name === request.keyName)
    if (known?.publicKey) return [known.publicKey]
    if (!request.publicKey) {
      throw new NotFoundError(`No SSH key labelled "${request.keyName}" in this Linode profile; import it first or give its public key.`)
    }
    await this.importKeyPair(request.keyName, request.publicKey)
    return [request.publicKey.trim()]
  }

  async destroyNode(id: string): Promise<void> {
    await this.client.delete(instancePath(id), {notFound: `No Linode with id ${id}`})
  }

  /** Linode has one kind of reboot (shut down, then boot): `hard` changes nothing. */
  async rebootNode(id: string): Promise<void> {
    const body: RebootLinodeRequest = {}
    await this.client.post<unknown>(`${instancePath(id)}/reboot`, body, {notFound: `No Linode with id ${id}`})
  }

  async waitUntilRunning(id: string, options: WaitOptions = {}): Promise<Node> {
    return waitUntilRunning({what: `Linode ${id} to be running`, getNode: () => this.getNode(id), defaults: {timeoutMs: 10 * 60_000, pollMs: 3000}, signal: this.signal}, options)
  }
}
