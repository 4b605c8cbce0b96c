import {hopClass} from './sequential.js'
import type {PathHop} from './types.js'

/**
 * A verdict given before the evidence settled (the time limit, or every round sent) rests on hops
 * the sequential test (sequential.ts) has not decided yet: a hop losing 2 of 25 probes (8 %) reads
 * as under the 10 % threshold, but is as consistent with a 20 % loss as with a 2 % one. Where one
 * vantage point's loss starts then depends on chance, and "loss starts at different hops" would name
 * separate faults that more rounds would merge into one. So before separate faults are named, each
 * undecided hop is read as consistent with either class: a vantage point's loss may start at any hop
 * it could start at under some reading of its undecided hops, and vantage points whose possible
 * starts share a router are one cause.
 */

const lostOf = (hop: PathHop) => Math.round((hop.lossPct * hop.sent) / 100)

/** Is this hop's loss class still open under the sequential test? */
export function undecidedHop(hop: PathHop): boolean {
  return hopClass(hop.sent, lostOf(hop)) === 'open'
}

/** "hop 2 (10.90.0.1: 2 of 25 lost)": how an undecided hop is named. */
export const lostText = (hop: PathHop) => `hop ${hop.index} (${hop.address ?? 'no reply'}: ${lostOf(hop)} of ${hop.sent} lost)`

/**
 * Where one vantage point's loss could start, given the hops that answered (in order) and the one
 * it starts at as measured: that hop, earlier hops as long as every hop from there up to it is
 * undecided (it could be lossy), and later ones as long as every hop from the measured start up to
 * them is undecided (it could be clean) and they are not decided clean themselves. Decided hops
 * around the measured start leave it the only one.
 */
export function possibleStarts(answering: PathHop[], start: PathHop): PathHop[] {
  const at = answering.indexOf(start)
  if (at === -1) return [start]
  let first = at
  while (first > 0 && undecidedHop(answering[first - 1])) first--
  let last = at
  while (last + 1 < answering.length && undecidedHop(answering[last]) && hopClass(answering[last + 1].sent, lostOf(answering[last + 1])) !== 'clean') last++
  return answering.slice(first, last + 1)
}

/** A router's name for matching across vantage points: its address, or its index when it never answered. */
export const routerOf = (hop: Pick<PathHop, 'address' | 'index'>) => hop.address ?? `#${hop.index}`

/**
 * The router every vantage point's loss could start at, preferring the one most of them measured
 * it at (so the settled vantage points decide); undefined when their possible starts share none.
 */
export function commonStart(starts: Array<{measured: PathHop; possible: PathHop[]}>): string | undefined {
  const [first, ...rest] = starts.map((s) => new Set(s.possible.map((h) => routerOf(h))))
  const shared = [...(first ?? [])].filter((router) => rest.every((set) => set.has(router)))
  if (shared.length === 0) return undefined
  const votes = (router: string) => starts.filter((s) => routerOf(s.measured) === router).length
  return shared.toSorted((a, b) => votes(b) - votes(a))[0]
}

/** The hop of a path that is this router. */
export function hopAt(answering: PathHop[], router: string): PathHop | undefined {
  return answering.find((h) => routerOf(h) === router)
}
