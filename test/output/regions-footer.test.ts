import {describe, expect, it} from 'vitest'

import {regionsFooter} from '../../src/output/regions-footer.js'

describe('regionsFooter', () => {
  it("names each provider's regions and hints at --region all for those listed in one region", () => {
    expect(
      regionsFooter([
        {provider: 'ec2', scope: 'region', regions: ['us-east-1'], otherRegions: true},
        {provider: 'rackspace', scope: 'all', regions: ['DFW', 'IAD', 'ORD'], otherRegions: false},
        {provider: 'linode', scope: 'global', regions: [], otherRegions: false},
      ]),
    ).toBe('regions: ec2 us-east-1; rackspace DFW, IAD, ORD (all); linode all (global)\n--region all lists every region of ec2.')
  })

  it('says nothing more when every provider covered everything, and nothing at all when none answered', () => {
    expect(regionsFooter([{provider: 'linode', scope: 'global', regions: [], otherRegions: false}])).toBe('regions: linode all (global)')
    expect(regionsFooter([])).toBeUndefined()
  })
})
