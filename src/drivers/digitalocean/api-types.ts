// DigitalOcean API v2 wire types: the fields mc reads or sends, named and typed as in DigitalOcean's
// OpenAPI description (specs/digitalocean-public.v2.yaml). The sandbox checks every request body mc
// sends against that description, so a drift between these and the spec fails the tests.

/** The envelope of every listing: `links.pages.next` while there is more, `meta.total` items in all. */
export interface DoPage {
  links?: {pages?: {first?: string; prev?: string; next?: string; last?: string}}
  meta?: {total?: number}
}

export interface DoNetworkV4 {
  ip_address?: string
  netmask?: string
  gateway?: string
  type?: 'public' | 'private'
}

export interface DoNetworkV6 {
  ip_address?: string
  netmask?: number
  gateway?: string
  type?: 'public'
}

export interface DoImage {
  id?: number
  name?: string
  type?: 'base' | 'snapshot' | 'backup' | 'custom' | 'admin'
  distribution?: string
  slug?: string | null
  public?: boolean
  regions?: string[]
  created_at?: string
  min_disk_size?: number | null
  size_gigabytes?: number | null
  description?: string
  tags?: string[] | null
  status?: 'NEW' | 'available' | 'pending' | 'deleted' | 'retired'
  error_message?: string
}

export interface DoSize {
  slug?: string
  memory?: number
  vcpus?: number
  disk?: number
  transfer?: number
  price_monthly?: number
  price_hourly?: number
  regions?: string[]
  available?: boolean
  description?: string
}

export interface DoRegion {
  slug?: string
  name?: string
  sizes?: string[]
  available?: boolean
  features?: string[]
}

export interface DoDroplet {
  id?: number
  name?: string
  memory?: number
  vcpus?: number
  disk?: number
  locked?: boolean
  status?: 'new' | 'active' | 'off' | 'archive'
  created_at?: string
  features?: string[]
  image?: DoImage
  size?: DoSize
  size_slug?: string
  networks?: {v4?: DoNetworkV4[]; v6?: DoNetworkV6[]}
  region?: DoRegion
  tags?: string[]
  vpc_uuid?: string
}

export interface DoSshKey {
  id?: number
  fingerprint?: string
  public_key?: string
  name?: string
}

export interface DoFirewallRule {
  protocol: 'tcp' | 'udp' | 'icmp'
  ports: string
  sources?: {addresses?: string[]}
  destinations?: {addresses?: string[]}
}

export interface DoFirewall {
  id?: string
  name?: string
  status?: 'waiting' | 'succeeded' | 'failed'
  inbound_rules?: DoFirewallRule[] | null
  outbound_rules?: DoFirewallRule[] | null
  droplet_ids?: number[] | null
  tags?: string[]
}

/** POST /v2/droplets, the single-Droplet form. */
export interface CreateDropletRequest {
  name: string
  region?: string
  size: string
  image: number | string
  ssh_keys?: (number | string)[]
  tags?: string[]
  user_data?: string
  ipv6?: boolean
  monitoring?: boolean
}

export interface CreateFirewallRequest {
  name: string
  inbound_rules: DoFirewallRule[]
  outbound_rules: DoFirewallRule[]
  droplet_ids?: number[]
  tags?: string[]
}

/** DigitalOcean's error body. */
export interface DoErrorBody {
  id?: string
  message?: string
  request_id?: string
}
