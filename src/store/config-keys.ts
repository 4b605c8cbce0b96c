import type {ProviderName} from '../core/model.js'

export interface ConfigKey {
  provider: ProviderName
  name: string
  description: string
  /** Secrets are masked by `mc config get/list` and redacted from debug logs. */
  secret?: boolean
}

const keys: ConfigKey[] = [
  {provider: 'ec2', name: 'region', description: 'default region, e.g. us-east-1'},
  {provider: 'ec2', name: 'endpoint', description: 'EC2 endpoint URL (EC2-compatible clouds, the sandbox)'},
  {provider: 'ec2', name: 'accessKeyId', description: 'access key id'},
  {provider: 'ec2', name: 'secretAccessKey', description: 'secret access key', secret: true},
  {provider: 'ec2', name: 'sessionToken', description: 'session token for temporary credentials', secret: true},
  {provider: 'ec2', name: 'awsProfile', description: 'a profile in ~/.aws/config and ~/.aws/credentials'},
  {provider: 'ec2', name: 'credentialSource', description: '"instance" to use the EC2 instance role or container credentials'},
  {provider: 'rackspace', name: 'username', description: 'Rackspace user name'},
  {provider: 'rackspace', name: 'apiKey', description: 'Rackspace API key', secret: true},
  {provider: 'rackspace', name: 'password', description: 'password (instead of an API key)', secret: true},
  {provider: 'rackspace', name: 'region', description: 'DFW, ORD, IAD, LON, SYD or HKG'},
  {provider: 'rackspace', name: 'endpoint', description: 'identity endpoint (default https://identity.api.rackspacecloud.com)'},
  {provider: 'openstack', name: 'cloud', description: 'a cloud name in clouds.yaml'},
  {provider: 'openstack', name: 'endpoint', description: 'auth URL (Keystone), like OS_AUTH_URL'},
  {provider: 'openstack', name: 'username', description: 'user name'},
  {provider: 'openstack', name: 'password', description: 'password', secret: true},
  {provider: 'openstack', name: 'projectName', description: 'project (tenant) name'},
  {provider: 'openstack', name: 'projectId', description: 'project (tenant) id'},
  {provider: 'openstack', name: 'userDomainName', description: 'user domain (Keystone v3)'},
  {provider: 'openstack', name: 'projectDomainName', description: 'project domain (Keystone v3)'},
  {provider: 'openstack', name: 'applicationCredentialId', description: 'application credential id (Keystone v3)'},
  {provider: 'openstack', name: 'applicationCredentialSecret', description: 'application credential secret', secret: true},
  {provider: 'openstack', name: 'region', description: 'region name, e.g. RegionOne'},
  {provider: 'openstack', name: 'interface', description: 'endpoint interface: public (default), internal or admin'},
  {provider: 'linode', name: 'token', description: 'personal access token', secret: true},
  {provider: 'linode', name: 'endpoint', description: 'API base URL (default https://api.linode.com)'},
  {provider: 'linode', name: 'region', description: 'default region for new nodes, e.g. us-east'},
  // Every provider: how its requests leave this machine (README "Proxies and private CAs").
  ...(['ec2', 'rackspace', 'openstack', 'linode'] as const).flatMap((provider): ConfigKey[] => [
    {provider, name: 'proxy', description: 'proxy URL for this cloud (else HTTPS_PROXY / HTTP_PROXY; NO_PROXY applies)'},
    {provider, name: 'caFile', description: 'PEM file of a private CA to trust, besides the system CAs'},
  ]),
]

export const CONFIG_KEYS: ReadonlyMap<string, ConfigKey> = new Map(keys.map((k) => [`${k.provider}.${k.name}`, k]))

export function isSecretKey(fullKey: string): boolean {
  return CONFIG_KEYS.get(fullKey)?.secret === true
}

export function maskSecret(value: string): string {
  return value.length <= 4 ? '****' : `****${value.slice(-4)}`
}
