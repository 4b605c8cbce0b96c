/** Reading EC2 Query API parameters: flattened lists (Name.1, Name.2) and structures (Name.1.Key). */

export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

export type Params = Map<string, string>

/** Values of Prefix.1, Prefix.2, ... in index order. */
export function indexed(params: Params, prefix: string): string[] {
  return indexes(params, prefix)
    .map((i) => params.get(`${prefix}.${i}`)!)
    .filter((v) => v !== undefined)
}

/** The indexes N present as Prefix.N or Prefix.N.<anything>, sorted. */
export function indexes(params: Params, prefix: string): number[] {
  const found = new Set<number>()
  const start = `${prefix}.`
  for (const key of params.keys()) {
    if (!key.startsWith(start)) continue
    const n = Number.parseInt(key.slice(start.length), 10)
    if (Number.isInteger(n)) found.add(n)
  }
  return [...found].sort((a, b) => a - b)
}

export interface Filter {
  name: string
  values: string[]
}

export function filters(params: Params): Filter[] {
  return indexes(params, 'Filter').map((i) => ({
    name: params.get(`Filter.${i}.Name`) ?? '',
    values: indexed(params, `Filter.${i}.Value`),
  }))
}

/** Tags from Tag.N.Key/Value (CreateTags) or TagSpecification.N.Tag.M for one resource type. */
export function tagsFrom(params: Params, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const i of indexes(params, prefix)) {
    const key = params.get(`${prefix}.${i}.Key`)
    if (key !== undefined) out[key] = params.get(`${prefix}.${i}.Value`) ?? ''
  }
  return out
}

export function tagSpecifications(params: Params, resourceType: string): Record<string, string> {
  let out: Record<string, string> = {}
  for (const i of indexes(params, 'TagSpecification')) {
    const type = params.get(`TagSpecification.${i}.ResourceType`)
    if (type !== resourceType) continue
    out = {...out, ...tagsFrom(params, `TagSpecification.${i}.Tag`)}
  }
  return out
}

export function required(params: Params, name: string): string {
  const value = params.get(name)
  if (value === undefined || value === '') throw new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`)
  return value
}

export function integer(params: Params, name: string): number | undefined {
  const value = params.get(name)
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value)) throw new Ec2Error('InvalidParameterValue', `Invalid value '${value}' for ${name}.`)
  return Number(value)
}

export function bool(params: Params, name: string): boolean {
  return (params.get(name) ?? '').toLowerCase() === 'true'
}

/** EC2's MaxResults: each action has its own bounds and words the error the same way. */
export function maxResults(params: Params, min: number, max: number): number | undefined {
  const value = integer(params, 'MaxResults')
  if (value === undefined) return undefined
  if (value < min || value > max) {
    throw new Ec2Error('InvalidParameterValue', `Value ( ${value} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`)
  }
  return value
}

/** Pagination: NextToken is an opaque cursor naming the last position returned. */
export function encodeToken(position: number): string {
  return Buffer.from(JSON.stringify({v: 1, after: position})).toString('base64')
}

export function decodeToken(params: Params): number | undefined {
  const token = params.get('NextToken')
  if (token === undefined || token === '') return undefined
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {v?: number; after?: number}
    if (parsed.v === 1 && Number.isInteger(parsed.after)) return parsed.after
  } catch {
    // fall through to the error EC2 gives for a token it did not issue
  }
  throw new Ec2Error('InvalidParameterValue', `Invalid value '${token}' for nextToken.`)
}

/** One page of `items` (already in order, with positions), and the token for the next. */
export function page<T>(items: {item: T; position: number}[], params: Params, limit: number | undefined): {items: T[]; nextToken?: string} {
  const after = decodeToken(params)
  const rest = after === undefined ? items : items.filter((x) => x.position > after)
  if (limit === undefined || rest.length <= limit) return {items: rest.map((x) => x.item)}
  const slice = rest.slice(0, limit)
  return {items: slice.map((x) => x.item), nextToken: encodeToken(slice.at(-1)!.position)}
}
