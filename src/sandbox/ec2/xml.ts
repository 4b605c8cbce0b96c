/** Just enough XML writing for EC2 Query API responses (strings, built fast for big listings). */

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/'

const ENTITIES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;'}

const SPECIAL = /[&<>"']/

export function escapeXml(text: string): string {
  return SPECIAL.test(text) ? text.replaceAll(/[&<>"']/g, (c) => ENTITIES[c]) : text
}

export type XmlValue = string | number | boolean | undefined | null

/** <name>value</name>; undefined/null leaves the element out, as EC2 omits unset members. */
export function el(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return ''
  const text = escapeXml(String(value))
  return text === '' ? `<${name}/>` : `<${name}>${text}</${name}>`
}

/** An element whose content is already XML. */
export function node(name: string, inner: string): string {
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`
}

/** EC2 lists: <nameSet><item>...</item></nameSet>. */
export function list<T>(name: string, items: readonly T[], render: (item: T) => string): string {
  if (items.length === 0) return `<${name}/>`
  let out = `<${name}>`
  for (const item of items) out += `<item>${render(item)}</item>`
  return `${out}</${name}>`
}

export function tagSet(tags: Record<string, string>): string {
  return list('tagSet', Object.entries(tags), ([key, value]) => el('key', key) + el('value', value))
}

export function document(action: string, requestId: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${inner}</${action}Response>`
}

export function errorDocument(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
}
