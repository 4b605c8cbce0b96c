import type {ProviderDescriptor} from '../types.js'

declare module '../../core/model.js' {
  interface ProviderNames {
    ec2: true
  }
}

export const ec2: ProviderDescriptor = {
  name: 'ec2',
  title: 'Amazon EC2 (and EC2-compatible clouds)',
  extraKey: 'ec2',
  configKeys: [
    {name: 'region', description: 'default region, e.g. us-east-1'},
    {name: 'endpoint', description: 'EC2 endpoint URL (EC2-compatible clouds, the sandbox)'},
    {name: 'accessKeyId', description: 'access key id'},
    {name: 'secretAccessKey', description: 'secret access key', secret: true},
    {name: 'sessionToken', description: 'session token for temporary credentials', secret: true},
    {name: 'awsProfile', description: 'a profile in ~/.aws/config and ~/.aws/credentials'},
    {name: 'credentialSource', description: '"instance" to use the EC2 instance role or container credentials'},
  ],
  envPrefixes: ['AWS_'],
  credentials: () => import('./credentials.js'),
  load: () => import('./index.js'),
}
