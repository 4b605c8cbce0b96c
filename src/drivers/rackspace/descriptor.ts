import type {ProviderDescriptor} from '../types.js'

declare module '../../core/model.js' {
  interface ProviderNames {
    rackspace: true
  }
}

export const rackspace: ProviderDescriptor = {
  name: 'rackspace',
  title: 'Rackspace Cloud Servers (OpenStack Nova behind Rackspace Identity)',
  extraKey: 'openstack',
  configKeys: [
    {name: 'username', description: 'Rackspace user name'},
    {name: 'apiKey', description: 'Rackspace API key', secret: true},
    {name: 'password', description: 'password (instead of an API key)', secret: true},
    {name: 'region', description: 'DFW, ORD, IAD, LON, SYD or HKG'},
    {name: 'endpoint', description: 'identity endpoint (default https://identity.api.rackspacecloud.com)'},
  ],
  envPrefixes: ['RAX_'],
  credentials: () => import('./credentials.js'),
  load: () => import('./index.js'),
}
