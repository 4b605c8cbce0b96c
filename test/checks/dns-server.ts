import {createSocket, type Socket} from 'node:dgram'

/**
 * A tiny authoritative DNS responder for tests: A records from a map, NXDOMAIN for other names,
 * an empty NOERROR answer for other types of known names (what nslookup's AAAA query expects).
 */
export interface DnsServer {
  address: string
  port: number
  queries: {name: string; type: number}[]
  close(): Promise<void>
}

const TYPE_A = 1

export async function startDnsServer(records: Record<string, string>, options: {address?: string; port?: number} = {}): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4')
  const queries: {name: string; type: number}[] = []
  socket.on('message', (message, peer) => {
    const question = parseQuestion(message)
    if (!question) return
    queries.push({name: question.name, type: question.type})
    const address = records[question.name.toLowerCase()]
    socket.send(answer(message, question.end, question.type === TYPE_A ? address : undefined, address !== undefined), peer.port, peer.address)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port ?? 0, options.address ?? '127.0.0.1', () => resolve())
  })
  const bound = socket.address()
  return {
    address: bound.address,
    port: bound.port,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        socket.close(() => resolve())
      }),
  }
}

function parseQuestion(message: Buffer): {name: string; type: number; end: number} | undefined {
  if (message.length < 17) return undefined
  const labels: string[] = []
  let offset = 12
  while (offset < message.length && message[offset] !== 0) {
    const length = message[offset]
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('ascii'))
    offset += length + 1
  }
  // offset points at the root label; QTYPE and QCLASS follow it.
  if (offset + 5 > message.length) return undefined
  return {name: labels.join('.'), type: message.readUInt16BE(offset + 1), end: offset + 5}
}

function answer(query: Buffer, questionEnd: number, ipv4: string | undefined, known: boolean): Buffer {
  const header = Buffer.alloc(12)
  query.copy(header, 0, 0, 2)
  // QR=1, opcode copied, AA=1, RD copied; RA=1; RCODE 0 or 3 (NXDOMAIN).
  // eslint-disable-next-line no-bitwise -- DNS header flags are bit fields
  header[2] = 0x84 | (query[2] & 0x79)
  header[3] = known ? 0x80 : 0x83
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(ipv4 ? 1 : 0, 6)
  const question = query.subarray(12, questionEnd)
  if (!ipv4) return Buffer.concat([header, question])
  const record = Buffer.alloc(16)
  record.writeUInt16BE(0xc0_0c, 0)
  record.writeUInt16BE(TYPE_A, 2)
  record.writeUInt16BE(1, 4)
  record.writeUInt32BE(60, 6)
  record.writeUInt16BE(4, 10)
  for (const [i, part] of ipv4.split('.').entries()) record[12 + i] = Number(part)
  return Buffer.concat([header, question, record])
}
