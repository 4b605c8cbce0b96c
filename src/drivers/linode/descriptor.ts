import type {ProviderDescriptor} from '../types.js'

declare module '../../core/model.js' {
  interface ProviderNames {
    linode: true
  }
}

export const linode: ProviderDescriptor = {
  name: 'linode',
  title: 'Linode (Akamai) API v4',
  extraKey: 'linode',
  configKeys: [
    {name: 'token', description: 'personal access token', secret: true},
    {name: 'endpoint', description: 'API base URL (default https://api.linode.com)'},
    {name: 'region', description: 'default region for new nodes, e.g. us-east'},
  ],
  envPrefixes: ['LINODE_'],
  credentials: () => import('./credentials.js'),
  load: () => import('./index.js'),
}
