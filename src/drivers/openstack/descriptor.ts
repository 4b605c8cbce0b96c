import type {ProviderDescriptor} from '../types.js'

declare module '../../core/model.js' {
  interface ProviderNames {
    openstack: true
  }
}

export const openstack: ProviderDescriptor = {
  name: 'openstack',
  title: 'OpenStack Nova (Keystone v2.0/v3)',
  extraKey: 'openstack',
  configKeys: [
    {name: 'cloud', description: 'a cloud name in clouds.yaml'},
    {name: 'endpoint', description: 'auth URL (Keystone), like OS_AUTH_URL'},
    {name: 'username', description: 'user name'},
    {name: 'password', description: 'password', secret: true},
    {name: 'projectName', description: 'project (tenant) name'},
    {name: 'projectId', description: 'project (tenant) id'},
    {name: 'userDomainName', description: 'user domain (Keystone v3)'},
    {name: 'projectDomainName', description: 'project domain (Keystone v3)'},
    {name: 'applicationCredentialId', description: 'application credential id (Keystone v3)'},
    {name: 'applicationCredentialSecret', description: 'application credential secret', secret: true},
    {name: 'region', description: 'region name, e.g. RegionOne'},
    {name: 'interface', description: 'endpoint interface: public (default), internal or admin'},
  ],
  envPrefixes: ['OS_'],
  credentials: () => import('./credentials.js'),
  load: () => import('./index.js'),
}
