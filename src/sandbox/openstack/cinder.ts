import {json, type SandboxRequest, type SandboxResponse} from '../http.js'

/**
 * Cinder (block storage v3) for the OpenStack cloud. Sandbox servers boot from their image, so a
 * project has no volumes: listings are empty, a named volume is Cinder's 404.
 */

export interface CinderScope {
  /** Absolute URL of this region's volume endpoint without the version, e.g. http://127.0.0.1:8774/volume/regionone */
  base: string
}

export const CINDER_MAX_MICROVERSION = '3.70'

export function cinderError(status: number, kind: string, message: string): SandboxResponse {
  return json(status, {[kind]: {code: status, message}})
}

export class Cinder {
  versions(scope: CinderScope): SandboxResponse {
    return json(300, {
      versions: [
        {
          id: 'v3.0',
          status: 'CURRENT',
          version: CINDER_MAX_MICROVERSION,
          min_version: '3.0',
          updated: '2023-08-31T00:00:00Z',
          links: [{rel: 'self', href: `${scope.base}/v3/`}],
          'media-types': [{base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3'}],
        },
      ],
    })
  }

  route(request: SandboxRequest, path: string): SandboxResponse {
    const parts = path.split('/').filter(Boolean)
    const [collection, id, sub] = parts
    if (request.method === 'GET' && (collection === 'volumes' || collection === 'snapshots' || collection === 'backups')) {
      if (id === undefined || (id === 'detail' && sub === undefined)) return json(200, {[collection]: []})
      if (sub === undefined) {
        const what = {volumes: 'Volume', snapshots: 'Snapshot', backups: 'Backup'}[collection]
        return cinderError(404, 'itemNotFound', `${what} ${decodeURIComponent(id)} could not be found.`)
      }
    }
    if (request.method === 'GET' && collection === 'limits' && id === undefined) {
      const absolute = {maxTotalVolumes: 10, maxTotalSnapshots: 10, maxTotalVolumeGigabytes: 1000, maxTotalBackups: 10, maxTotalBackupGigabytes: 1000}
      const used = {totalVolumesUsed: 0, totalSnapshotsUsed: 0, totalGigabytesUsed: 0, totalBackupsUsed: 0, totalBackupGigabytesUsed: 0}
      return json(200, {limits: {rate: [], absolute: {...absolute, ...used}}})
    }
    if (request.method === 'GET' && collection === 'types' && id === undefined) {
      return json(200, {
        volume_types: [{id: '6ad1b2e1-6a3e-4b50-b0c8-2e8f0f1a3c11', name: '__DEFAULT__', description: 'Default Volume Type', is_public: true, extra_specs: {}, qos_specs_id: null}],
      })
    }
    return cinderError(404, 'itemNotFound', 'The resource could not be found.')
  }
}
