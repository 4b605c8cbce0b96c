/** Internal model of the sandbox: what every emulated API stores and reads back. */

import type {ProviderName} from '../core/model.js'

/** Every cloud mc speaks has an emulator (src/sandbox/clouds.ts lists them). */
export type SandboxCloud = ProviderName

/** A status change scheduled for later (pending -> running after the boot delay, and so on). */
export interface Transition {
  status: string
  at: number
}

/** A cloud added later declares its own fields (declaration merging), as it does its credentials. */
export interface NodeRecord {
  cloud: SandboxCloud
  id: string
  region: string
  /** EC2 availability zone, Nova availability zone. */
  zone?: string
  name: string
  image: string
  size: string
  /** The provider's own status word as last stored; read it through effectiveStatus(). */
  status: string
  /** Applied in order once their time has come. */
  transitions: Transition[]
  createdAt: number
  updatedAt: number
  /** EC2 tags, Nova metadata; Linode keeps its string tags in `linodeTags`. */
  tags: Record<string, string>
  linodeTags?: string[]
  keyName?: string
  /** OpenSSH public key lines accepted for SSH logins. */
  authorizedKeys: string[]
  /** Nova adminPass / Linode root_pass: also accepted for SSH password logins. */
  password?: string
  publicIp: string
  privateIp: string
  ipv6?: string
  /** Present for nodes created through an API (seeded nodes have no SSH server). */
  ssh?: {port: number; hostKey: string}
  seeded?: boolean
  /** When an EC2 instance reached `terminated`, for the listing grace period. */
  terminatedAt?: number
  ec2?: {
    reservationId: string
    launchIndex: number
    securityGroups: {id: string; name: string}[]
    clientToken?: string
    userData?: string
    vpcId: string
    subnetId: string
    stateReason?: {code: string; message: string}
    transitionReason: string
    /** Set through ModifyInstanceAttribute; absent means EC2's default. */
    attributes?: Ec2InstanceAttributes
  }
  nova?: {
    tenantId: string
    userId: string
    hostId: string
    securityGroups: string[]
    userData?: string
    launchedAt?: number
    /** Microversion 2.19 and later. */
    description?: string
  }
  linode?: {
    group: string
    watchdog: boolean
    hasUserData: boolean
  }
}

export interface Ec2InstanceAttributes {
  disableApiTermination?: boolean
  disableApiStop?: boolean
  instanceInitiatedShutdownBehavior?: 'stop' | 'terminate'
  sourceDestCheck?: boolean
  ebsOptimized?: boolean
}

export interface KeyPairRecord {
  name: string
  publicKey: string
  fingerprint: string
  type: 'rsa' | 'ed25519' | 'ecdsa'
  createdAt: number
  /** EC2 key-<hex> id, Linode numeric id. */
  id: string
  tags?: Record<string, string>
}

export interface SecurityGroupRule {
  protocol: string
  fromPort?: number
  toPort?: number
  cidrs: string[]
  ruleId: string
}

export interface SecurityGroupRecord {
  id: string
  name: string
  description: string
  vpcId: string
  ingress: SecurityGroupRule[]
  tags: Record<string, string>
}

export interface TokenRecord {
  id: string
  cloud: 'rackspace' | 'openstack'
  userId: string
  projectId?: string
  expiresAt: number
  issuedAt: number
  methods: string[]
}

/** Each cloud's credentials, made by its emulator's newCredentials(). */
export interface SandboxCredentials {
  ec2: {accessKeyId: string; secretAccessKey: string; region: string}
  rackspace: {username: string; apiKey: string; password: string; region: string; tenantId: string}
  openstack: {
    username: string
    password: string
    projectName: string
    projectId: string
    userId: string
    userDomainName: string
    projectDomainName: string
    region: string
    applicationCredentialId: string
    applicationCredentialSecret: string
  }
  linode: {token: string}
}
