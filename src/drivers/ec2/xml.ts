/**
 * A pull reader for EC2 Query response bodies. It walks elements in document order without
 * building a tree: the caller asks for the next child element by name, reads a leaf's text, or
 * skips a whole subtree. Attributes and namespace prefixes are ignored (EC2 bodies carry no data in
 * them). It scans with indexOf rather than regular expressions and allocates only the names and
 * values it returns, because it reads multi-megabyte DescribeInstances pages on the hot path.
 */

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError'
}

const SLASH = 47 // '/'
const BANG = 33 // '!'
const QUESTION = 63 // '?'

export class XmlReader {
  private pos = 0
  /** Whether the element last returned by nextChild() was written `<name/>`. */
  private selfClosing = false
  /** Where the qualified name of the element last returned by nextChild() starts and ends. */
  private nameStart = 0
  private nameEnd = 0
  /** Open elements, so a truncated document is an error rather than a short list. */
  private depth = 0
  /** `</name>` and `<name` per qualified name, built once: skip() runs for most elements. */
  private readonly tags = new Map<string, [close: string, open: string]>()

  constructor(private readonly xml: string) {}

  /**
   * The local name of the next child element of the current one, positioned inside it; undefined
   * when the current element ends (its end tag is consumed).
   */
  nextChild(): string | undefined {
    if (this.selfClosing) {
      // The element just entered was `<name/>`: it has no children.
      this.selfClosing = false
      return undefined
    }
    const {xml} = this
    for (;;) {
      const lt = xml.indexOf('<', this.pos)
      if (lt === -1) {
        if (this.depth > 0) throw new XmlSyntaxError('unexpected end of document')
        this.pos = xml.length
        return undefined
      }
      const c = xml.codePointAt(lt + 1)
      if (c === SLASH) {
        this.pos = this.end(lt, '>') + 1
        this.depth--
        return undefined
      }
      if (c === QUESTION || c === BANG) {
        this.pos = this.skipMarkup(lt)
        continue
      }
      const gt = this.tagEnd(lt)
      this.selfClosing = xml.codePointAt(gt - 1) === SLASH
      if (!this.selfClosing) this.depth++
      this.pos = gt + 1
      this.nameStart = lt + 1
      this.nameEnd = nameEnd(xml, lt + 1, this.selfClosing ? gt - 1 : gt)
      return localName(xml, this.nameStart, this.nameEnd)
    }
  }

  /** The text of the element nextChild() just entered, entities decoded; consumes its end tag. */
  text(): string {
    if (this.selfClosing) {
      this.selfClosing = false
      return ''
    }
    const {xml} = this
    const start = this.pos
    const lt = xml.indexOf('<', start)
    if (lt !== -1 && xml.codePointAt(lt + 1) === SLASH) {
      this.pos = this.end(lt, '>') + 1
      this.depth--
      return detach(decodeEntities(xml.slice(start, lt)))
    }
    return detach(this.mixedText(start))
  }

  /** Skip the rest of the element nextChild() just entered, children included. */
  skip(): void {
    if (this.selfClosing) {
      this.selfClosing = false
      return
    }
    const {xml} = this
    // Fast path: jump to the matching end tag when no element of the same name nests inside.
    const qualified = xml.slice(this.nameStart, this.nameEnd)
    let tags = this.tags.get(qualified)
    if (!tags) {
      tags = [`</${qualified}>`, `<${qualified}`]
      this.tags.set(qualified, tags)
    }
    const close = xml.indexOf(tags[0], this.pos)
    if (close !== -1) {
      // Searching back from the end tag finds a nested namesake, or else this element's own start tag.
      const nested = xml.lastIndexOf(tags[1], close - 1)
      if (nested < this.pos) {
        this.pos = this.end(close, '>') + 1
        this.depth--
        return
      }
    }
    this.depth--
    let depth = 1
    while (depth > 0) {
      const lt = xml.indexOf('<', this.pos)
      if (lt === -1) throw new XmlSyntaxError('unexpected end of document')
      const c = xml.codePointAt(lt + 1)
      if (c === SLASH) {
        depth--
        this.pos = this.end(lt, '>') + 1
      } else if (c === QUESTION || c === BANG) {
        this.pos = this.skipMarkup(lt)
      } else {
        const gt = this.tagEnd(lt)
        if (xml.codePointAt(gt - 1) !== SLASH) depth++
        this.pos = gt + 1
      }
    }
  }

  /** Text interleaved with CDATA sections or comments: the rare, slower path. */
  private mixedText(start: number): string {
    const {xml} = this
    let out = ''
    let from = start
    for (;;) {
      const lt = xml.indexOf('<', from)
      if (lt === -1) throw new XmlSyntaxError('unexpected end of document')
      out += decodeEntities(xml.slice(from, lt))
      if (xml.startsWith('<![CDATA[', lt)) {
        const close = this.end(lt, ']]>')
        out += xml.slice(lt + 9, close)
        from = close + 3
      } else if (xml.codePointAt(lt + 1) === SLASH) {
        this.pos = this.end(lt, '>') + 1
        this.depth--
        return out
      } else if (xml.codePointAt(lt + 1) === BANG || xml.codePointAt(lt + 1) === QUESTION) {
        from = this.skipMarkup(lt)
      } else {
        throw new XmlSyntaxError(`element inside a text value at offset ${lt}`)
      }
    }
  }

  private skipMarkup(lt: number): number {
    const {xml} = this
    if (xml.startsWith('<!--', lt)) return this.end(lt, '-->') + 3
    if (xml.startsWith('<![CDATA[', lt)) return this.end(lt, ']]>') + 3
    if (xml.codePointAt(lt + 1) === QUESTION) return this.end(lt, '?>') + 2
    return this.end(lt, '>') + 1
  }

  private end(from: number, token: string): number {
    const at = this.xml.indexOf(token, from)
    if (at === -1) throw new XmlSyntaxError(`unterminated markup at offset ${from}`)
    return at
  }

  /** The '>' that closes the tag opening at `lt`; quoted attribute values may contain '>'. */
  private tagEnd(lt: number): number {
    const {xml} = this
    const gt = this.end(lt, '>')
    let quoted = false
    for (let j = lt + 1; j < gt && !quoted; j++) {
      const ch = xml.codePointAt(j)
      quoted = ch === 34 || ch === 39
    }
    if (!quoted) return gt
    let open = 0
    for (let j = lt + 1; j < xml.length; j++) {
      const ch = xml.codePointAt(j)
      if (open) {
        if (ch === open) open = 0
      } else if (ch === 34 || ch === 39) {
        open = ch
      } else if (ch === 62) {
        return j
      }
    }
    throw new XmlSyntaxError(`unterminated tag at offset ${lt}`)
  }
}

/**
 * The same text as a string of its own. V8 makes substrings of 13 characters or more views into their
 * parent, so every instance id, DNS name and tag value kept from a page would keep the whole
 * multi-megabyte page alive: all ten pages (33 MB) of a 10,000-instance listing. Prepending a
 * character and slicing it off again makes V8 copy the value into a flat string.
 */
function detach(text: string): string {
  return ` ${text}`.slice(1)
}

/** Where the qualified name in `<prefix:name attr="...">` that starts at `from` ends. */
function nameEnd(xml: string, from: number, to: number): number {
  let end = from
  while (end < to) {
    const ch = xml.codePointAt(end)
    if (ch === 32 || ch === 9 || ch === 10 || ch === 13) break
    end++
  }
  return end
}

function localName(xml: string, from: number, to: number): string {
  let start = from
  for (let j = from; j < to; j++) if (xml.codePointAt(j) === 58) start = j + 1
  return xml.slice(start, to)
}

const NAMED: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

export function decodeEntities(text: string): string {
  let amp = text.indexOf('&')
  if (amp === -1) return text
  let out = ''
  let last = 0
  while (amp !== -1) {
    const semi = text.indexOf(';', amp)
    if (semi === -1) break
    const entity = text.slice(amp + 1, semi)
    let decoded: string | undefined
    if (entity.codePointAt(0) === 35) {
      const hex = entity[1] === 'x' || entity[1] === 'X'
      const code = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10)
      if (Number.isInteger(code) && code >= 0 && code <= 0x10_ff_ff) decoded = String.fromCodePoint(code)
    } else {
      decoded = NAMED[entity]
    }
    if (decoded !== undefined) {
      out += text.slice(last, amp) + decoded
      last = semi + 1
    }
    amp = text.indexOf('&', decoded === undefined ? amp + 1 : semi + 1)
  }
  return out + text.slice(last)
}
