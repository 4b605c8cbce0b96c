import {describe, expect, it} from 'vitest'

import {readDescribeInstances, UnexpectedBodyError} from '../../../src/drivers/ec2/describe-instances.js'
import {decodeEntities, XmlReader, XmlSyntaxError} from '../../../src/drivers/ec2/xml.js'
import {fixture} from './fixture-server.js'

/** Every element as [depth, name, text-or-undefined], walking with the reader's own calls. */
function walk(xml: string): [number, string, string | undefined][] {
  const out: [number, string, string | undefined][] = []
  const r = new XmlReader(xml)
  const visit = (depth: number, leafNames: Set<string>) => {
    for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
      if (leafNames.has(name)) out.push([depth, name, r.text()])
      else {
        out.push([depth, name, undefined])
        visit(depth + 1, leafNames)
      }
    }
  }
  visit(0, new Set(['leaf', 'value', 'key']))
  return out
}

describe('XmlReader', () => {
  it('walks elements, decodes entities and character references, and ignores attributes and prefixes', () => {
    const xml = `<?xml version="1.0"?>\n<!-- comment --><ns:root xmlns:ns="urn:x" a='1>2'>\n  <item id="x"><key>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;</key><value>&#65;&#x42;&#x1F600;</value></item>\n  <item><key/><value></value></item>\n</ns:root>`
    expect(walk(xml)).toEqual([
      [0, 'root', undefined],
      [1, 'item', undefined],
      [2, 'key', `a&b <c> "d" 'e'`],
      [2, 'value', 'AB😀'],
      [1, 'item', undefined],
      [2, 'key', ''],
      [2, 'value', ''],
    ])
  })

  it('reads CDATA literally and keeps text around comments', () => {
    expect(walk('<root><leaf>a<![CDATA[<b>&amp;</b>]]>c<!-- x -->d</leaf></root>')).toEqual([
      [0, 'root', undefined],
      [1, 'leaf', 'a<b>&amp;</b>cd'],
    ])
  })

  it('skips a subtree, including one that nests an element of its own name', () => {
    const r = new XmlReader('<root><skip><skip><x/></skip><y>1</y></skip><leaf>kept</leaf><other a="/>"><z>2</z></other><leaf>too</leaf></root>')
    expect(r.nextChild()).toBe('root')
    const seen: string[] = []
    for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
      if (name === 'leaf') seen.push(r.text())
      else r.skip()
    }
    expect(seen).toEqual(['kept', 'too'])
  })

  it('treats a self-closing element as having no children', () => {
    const r = new XmlReader('<root><empty/><leaf>x</leaf></root>')
    r.nextChild()
    expect(r.nextChild()).toBe('empty')
    expect(r.nextChild()).toBeUndefined()
    expect(r.nextChild()).toBe('leaf')
  })

  it('leaves unknown or malformed entities as they are', () => {
    expect(decodeEntities('a &nbsp; b & c &#xZZ; d')).toBe('a &nbsp; b & c &#xZZ; d')
  })

  it('reports truncated documents as XmlSyntaxError, never as a shorter list', () => {
    const skipping = new XmlReader('<root><a><b>text')
    skipping.nextChild()
    skipping.nextChild()
    expect(() => skipping.skip()).toThrow(XmlSyntaxError)
    const listing = new XmlReader('<root><item>1</item><item>2</item>')
    listing.nextChild()
    expect(listing.nextChild()).toBe('item')
    expect(listing.text()).toBe('1')
    listing.nextChild()
    listing.text()
    expect(() => listing.nextChild()).toThrow(XmlSyntaxError)
    const reading = new XmlReader('<root><leaf>text')
    reading.nextChild()
    reading.nextChild()
    expect(() => reading.text()).toThrow(XmlSyntaxError)
    expect(() => new XmlReader('<root attr="x').nextChild()).toThrow(XmlSyntaxError)
    expect(() => readDescribeInstances(fixture('describe_instances.xml').slice(0, 3000))).toThrow(XmlSyntaxError)
  })
})

describe('readDescribeInstances', () => {
  it('reads the recorded DescribeInstances response into the SDK shape', () => {
    const page = readDescribeInstances(fixture('describe_instances.xml'))
    expect(page.NextToken).toBeUndefined()
    expect(page.Reservations?.map((r) => [r.ReservationId, r.OwnerId, r.Instances?.map((i) => i.InstanceId)])).toEqual([
      ['r-fd67fb97', '123456789098', ['i-4382922a']],
      ['r-88dc1bef', '123456789098', ['i-8474834a']],
    ])
    const second = page.Reservations![1].Instances![0]
    expect(second).toMatchObject({
      State: {Code: 80, Name: 'stopped'},
      LaunchTime: new Date('2013-12-02T15:58:29.000Z'),
      Tags: [
        {Key: 'Name', Value: 'Test Server 2'},
        {Key: 'Group', Value: 'VPC Test'},
      ],
      NetworkInterfaces: [{NetworkInterfaceId: 'eni-c5dffd83', PrivateIpAddress: '172.16.9.139', PrivateIpAddresses: [{PrivateIpAddress: '172.16.4.139'}]}],
    })
  })

  it('rejects a body that is not a DescribeInstances response', () => {
    expect(() => readDescribeInstances(fixture('describe_images.xml'))).toThrow(UnexpectedBodyError)
  })
})
