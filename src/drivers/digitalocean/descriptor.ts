import type {ProviderDescriptor} from '../types.js'

declare module '../../core/model.js' {
  interface ProviderNames {
    digitalocean: true
  }
}

export const digitalocean: ProviderDescriptor = {
  name: 'digitalocean',
  title: 'DigitalOcean API v2',
  extraKey: 'digitalocean',
  configKeys: [
    {name: 'token', description: 'personal access token', secret: true},
    {name: 'endpoint', description: 'API base URL (default https://api.digitalocean.com)'},
    {name: 'region', description: 'default region for new Droplets, e.g. nyc3'},
  ],
  envPrefixes: ['DIGITALOCEAN_'],
  credentials: () => import('./credentials.js'),
  load: () => import('./index.js'),
}
