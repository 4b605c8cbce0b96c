import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {createServer as createTcpServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Local targets for check tests, all on 127.0.0.1 and ephemeral ports. */
export interface LocalServer {
  port: number
  close(): Promise<void>
}

function closeServer(server: Server | HttpServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy()
  return new Promise((resolve) => {
    server.close(() => resolve())
  })
}

function track(server: Server | HttpServer): Set<Socket> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  return sockets
}

async function listen(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return (server.address() as {port: number}).port
}

/** Accepts TCP connections and closes them. */
export async function startTcpServer(): Promise<LocalServer & {connections(): number}> {
  let connections = 0
  const server = createTcpServer((socket) => {
    connections++
    socket.end()
  })
  const sockets = track(server)
  const port = await listen(server)
  return {port, connections: () => connections, close: () => closeServer(server, sockets)}
}

/** `/` 200, `/missing` 404, `/error` 500, `/slow` 200 after `slowMs`. */
function routes(slowMs: number) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, body: string) => {
      response.writeHead(status, {'content-type': 'text/plain'})
      response.end(body)
    }
    switch (request.url) {
      case '/missing': {
        send(404, 'not here\n')
        break
      }
      case '/error': {
        send(500, 'broken\n')
        break
      }
      case '/slow': {
        setTimeout(() => send(200, 'slow ok\n'), slowMs)
        break
      }
      default: {
        send(200, 'hello from mc test\n')
      }
    }
  }
}

export async function startHttpServer(options: {slowMs?: number} = {}): Promise<LocalServer> {
  const server = createHttpServer(routes(options.slowMs ?? 1500))
  const sockets = track(server)
  const port = await listen(server)
  return {port, close: () => closeServer(server, sockets)}
}

/** HTTPS with a throwaway self-signed certificate for 127.0.0.1 made by openssl. */
export async function startHttpsServer(options: {slowMs?: number} = {}): Promise<LocalServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mc-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      {stdio: 'ignore'},
    )
    const server = createHttpsServer({key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'))}, routes(options.slowMs ?? 1500))
    const sockets = track(server)
    const port = await listen(server)
    return {port, close: () => closeServer(server, sockets)}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

/** A port nothing listens on (taken from the kernel, then released). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
  })
  return port
}
