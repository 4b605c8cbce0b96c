import {readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {createRequire} from 'node:module'
import {execFileSync} from 'node:child_process'

type LockEntry = {
  version: string
  integrity?: string
  dev?: boolean
  devOptional?: boolean
  [field: string]: unknown
}

/** Fields of a lockfile entry that npm's resolver needs in a packument's version document. */
const MANIFEST_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'license', 'hasInstallScript']

/**
 * An npm registry on loopback that serves exactly the runtime packages of package-lock.json, their
 * tarballs read from the local npm cache by integrity. `npm install -g <mc tarball>` against it
 * resolves mc's dependencies as it would against registry.npmjs.org, with no internet: a dependency
 * the package forgets to declare, or declares only for development, is simply not there.
 */
export async function startLockfileRegistry(lockFile: string): Promise<{url: string; packages: number; close(): Promise<void>}> {
  const npmRoot = execFileSync('npm', ['root', '-g'], {encoding: 'utf8'}).trim()
  const cacache = createRequire(`${npmRoot}/npm/`)('cacache') as {get: {stream: {byDigest(cache: string, integrity: string): NodeJS.ReadableStream}}}
  const cache = execFileSync('npm', ['config', 'get', 'cache'], {encoding: 'utf8'}).trim() + '/_cacache'
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {packages: Record<string, LockEntry>}
  const byName = new Map<string, Map<string, LockEntry>>()
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev || entry.devOptional || !entry.integrity || entry.link) continue
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    if (!byName.has(name)) byName.set(name, new Map())
    byName.get(name)!.set(entry.version, entry)
  }

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1))
    const tarball = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path)
    if (tarball) {
      const entry = byName.get(tarball[1])?.get(tarball[2])
      if (entry) {
        res.writeHead(200, {'content-type': 'application/octet-stream'})
        const stream = cacache.get.stream.byDigest(cache, entry.integrity!)
        stream.on('error', () => res.destroy())
        stream.pipe(res)
      } else {
        res.writeHead(404).end()
      }

      return
    }

    const versions = byName.get(path)
    if (!versions) {
      res.writeHead(404, {'content-type': 'application/json'}).end('{"error":"not found"}')
      return
    }

    const base = `http://${req.headers.host}`
    const docs = Object.fromEntries(
      [...versions].map(([version, entry]) => [
        version,
        {
          name: path,
          version,
          ...Object.fromEntries(MANIFEST_FIELDS.filter((f) => entry[f] !== undefined).map((f) => [f, entry[f]])),
          dist: {tarball: `${base}/${path}/-/${path.split('/').pop()}-${version}.tgz`, integrity: entry.integrity},
        },
      ]),
    )
    const latest = [...versions.keys()].sort((a, b) => a.localeCompare(b, undefined, {numeric: true})).pop()
    res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({name: path, 'dist-tags': {latest}, versions: docs}))
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    packages: byName.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
