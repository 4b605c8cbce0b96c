import {describe, expect, it} from 'vitest'

import {parseCheckSpec} from '../../src/services/check-spec.js'

describe('check specs', () => {
  it('path, path:icmp, path:tcp:PORT and path:udp:PORT', () => {
    expect(parseCheckSpec('path')).toEqual({kind: 'path', port: undefined})
    expect(parseCheckSpec('path:icmp')).toEqual({kind: 'path', protocol: 'icmp'})
    expect(parseCheckSpec('path:tcp:443')).toEqual({kind: 'path', protocol: 'tcp', port: 443})
    expect(parseCheckSpec('PATH:UDP:53')).toEqual({kind: 'path', protocol: 'udp', port: 53})
  })

  it('refuses a path over tcp without a port, an unknown protocol and a port on icmp', () => {
    expect(() => parseCheckSpec('path:tcp')).toThrow('a path over tcp needs a port number: path:tcp:443')
    expect(() => parseCheckSpec('path:sctp:1')).toThrow('Unknown path check "path:sctp:1"')
    expect(() => parseCheckSpec('path:icmp:1')).toThrow('Unknown path check')
    expect(() => parseCheckSpec('path:tcp:443:1')).toThrow('Unknown path check')
  })
})
