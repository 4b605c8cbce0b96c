import {describe, expect, it} from 'vitest'

import {FaultSyntaxError} from '../../src/sandbox/faults.js'
import {dropTable, isNetworkFault, parseNetworkFault, splitFaults} from '../../src/sandbox/network/faults.js'
import {site, siteLinks} from '../../src/sandbox/network/topology.js'

describe('network fault grammar', () => {
  it('parses loss and down on every kind of link, canonically', () => {
    expect(parseNetworkFault('loss=transit:30%')).toEqual({link: 'transit', lossPct: 30, spec: 'loss=transit:30%'})
    expect(parseNetworkFault('loss=Target:5')).toEqual({link: 'target', lossPct: 5, spec: 'loss=target:5%'})
    expect(parseNetworkFault('loss=linode:us-west:50%')).toEqual({link: {cloud: 'linode', region: 'us-west'}, lossPct: 50, spec: 'loss=linode:us-west:50%'})
    expect(parseNetworkFault('down=dc')).toEqual({link: 'dc', lossPct: 100, spec: 'down=dc'})
    expect(parseNetworkFault('down=rackspace:ORD').spec).toBe('down=rackspace:ORD')
  })

  it('refuses what it cannot do, saying what would work', () => {
    expect(() => parseNetworkFault('loss=transit')).toThrow(/loss=LINK:P%/)
    expect(() => parseNetworkFault('loss=transit:0%')).toThrow(FaultSyntaxError)
    expect(() => parseNetworkFault('loss=transit:101%')).toThrow(FaultSyntaxError)
    expect(() => parseNetworkFault('loss=transit:2.5%')).toThrow(FaultSyntaxError)
    expect(() => parseNetworkFault('loss=moon:us-west:5%')).toThrow(/Unknown link "moon:us-west"/)
    expect(() => parseNetworkFault('down=nowhere')).toThrow(/use transit, dc, target or CLOUD:REGION/)
    expect(() => parseNetworkFault('latency=transit:200ms')).toThrow(/no netem/)
  })

  it('tells network faults from API faults: latency=CLOUD:... stays an API fault', () => {
    expect(splitFaults(['throttle=0.2', 'loss=transit:30%', 'latency=ec2:200ms', 'latency=200ms', 'down=target', 'latency=linode:us-west:5ms'])).toEqual({
      api: ['throttle=0.2', 'latency=ec2:200ms', 'latency=200ms'],
      network: ['loss=transit:30%', 'down=target', 'latency=linode:us-west:5ms'],
    })
    expect(isNetworkFault('latency=dc:1s')).toBe(true)
  })

  it('drops on the receiving side, IP only (ARP passes), replacing the table in one transaction', () => {
    const ruleset = dropTable('mc_fault_transit', ['p-dcr', 'p-s1'], 30)
    expect(ruleset).toBe(
      'table netdev mc_fault_transit {}\ndelete table netdev mc_fault_transit\ntable netdev mc_fault_transit {\n' +
        '  chain c0 { type filter hook ingress device "p-dcr" priority 0; meta protocol { ip, ip6 } numgen random mod 100 < 30 counter drop; }\n' +
        '  chain c1 { type filter hook ingress device "p-s1" priority 0; meta protocol { ip, ip6 } numgen random mod 100 < 30 counter drop; }\n}\n',
    )
    expect(dropTable('t', ['lan'], 100)).toContain('meta protocol { ip, ip6 } counter drop;')
  })
})

describe('network topology', () => {
  it('puts Linode regions beside the target provider and the others behind the transit', () => {
    const ec2 = site(2, 'ec2', 'us-east-1')
    expect(ec2).toMatchObject({address: '172.16.2.10', router: '172.16.2.1', uplink: '10.90.0.12', via: 'transit'})
    expect(siteLinks(ec2).routes).toEqual({s2: ['default via 172.16.2.1'], r2: ['default via 10.90.0.1'], tr: ['172.16.2.0/24 via 10.90.0.12']})
    const linode = site(1, 'linode', 'us-west')
    expect(linode).toMatchObject({uplink: '10.94.0.11', via: 'direct'})
    expect(siteLinks(linode).routes).toEqual({
      s1: ['default via 172.16.1.1'],
      r1: ['default via 10.94.0.2'],
      tr: ['172.16.1.0/24 via 10.94.0.2'],
      tgr: ['172.16.1.0/24 via 10.94.0.11'],
    })
  })
})
