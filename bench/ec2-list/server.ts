import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {describeInstancesPages} from '../../test/fixtures/ec2/synthetic.js'

/**
 * A local EC2 endpoint that answers DescribeInstances with `total` synthetic instances in pages of
 * `pageSize` (and DescribeAddresses with none, which Libcloud asks for too). Pages are rendered
 * once up front so the clients, not the server, are measured.
 * Parameters are read from the query string (Libcloud sends GET) and the form body (the SDKs POST).
 */
export interface ListServer {
  url: string
  requests: string[]
  close(): Promise<void>
}

export async function startListServer(total: number, pageSize = 1000): Promise<ListServer> {
  const pages = describeInstancesPages(total, pageSize).map((xml) => Buffer.from(xml))
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const params = new URLSearchParams(new URL(req.url ?? '/', 'http://x').search)
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString())) params.set(k, v)
      const action = params.get('Action') ?? ''
      requests.push(action)
      if (action === 'DescribeAddresses') {
        // Libcloud's list_nodes asks for Elastic IPs after listing: this account has none.
        res.writeHead(200, {'content-type': 'text/xml;charset=UTF-8'})
        res.end('<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>bench</requestId><addressesSet/></DescribeAddressesResponse>')
        return
      }
      if (action !== 'DescribeInstances') {
        res.writeHead(400, {'content-type': 'text/xml'})
        res.end(`<Response><Errors><Error><Code>InvalidAction</Code><Message>The bench server only answers DescribeInstances, not ${action}</Message></Error></Errors><RequestID>bench</RequestID></Response>`)
        return
      }
      const token = params.get('NextToken')
      const index = token ? Number(token.replace('page-', '')) - 1 : 0
      res.writeHead(200, {'content-type': 'text/xml;charset=UTF-8', 'content-length': pages[index].length})
      res.end(pages[index])
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
      }),
  }
}
