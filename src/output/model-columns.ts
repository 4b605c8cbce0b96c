import type {Image, KeyPair, Location, Node, Size} from '../core/model.js'
import type {Column} from './columns.js'
import {priceCell} from './cost.js'

const list = (values: string[]) => values.join(' ')

export const nodeColumns: Column<Node>[] = [
  {header: 'provider', value: (n) => n.provider},
  {header: 'region', value: (n) => n.region},
  {header: 'id', value: (n) => n.id},
  {header: 'name', value: (n) => n.name},
  {header: 'state', value: (n) => n.state},
  {header: 'public ip', value: (n) => list(n.publicIps)},
  {header: 'private ip', value: (n) => list(n.privateIps)},
  {header: 'size', value: (n) => n.size},
  {header: 'image', value: (n) => n.image},
]

export const imageColumns: Column<Image>[] = [
  {header: 'provider', value: (i) => i.provider},
  {header: 'id', value: (i) => i.id},
  {header: 'name', value: (i) => i.name},
  {header: 'os', value: (i) => i.os},
  {header: 'arch', value: (i) => i.architecture},
  {header: 'owner', value: (i) => i.owner},
  {header: 'created', value: (i) => i.createdAt},
]

export const sizeColumns: Column<Size>[] = [
  {header: 'provider', value: (s) => s.provider},
  {header: 'id', value: (s) => s.id},
  {header: 'name', value: (s) => s.name},
  {header: 'vcpus', value: (s) => s.vcpus},
  {header: 'memory mb', value: (s) => s.memoryMb},
  {header: 'disk gb', value: (s) => s.diskGb},
  {header: 'usd/hour', value: (s) => priceCell(s.priceHourly)},
  {header: 'arch', value: (s) => s.architecture},
]

export const locationColumns: Column<Location>[] = [
  {header: 'provider', value: (l) => l.provider},
  {header: 'id', value: (l) => l.id},
  {header: 'name', value: (l) => l.name},
  {header: 'kind', value: (l) => l.kind},
  {header: 'region', value: (l) => l.region},
  {header: 'country', value: (l) => l.country},
]

export const keyPairColumns: Column<KeyPair>[] = [
  {header: 'provider', value: (k) => k.provider},
  {header: 'name', value: (k) => k.name},
  {header: 'fingerprint', value: (k) => k.fingerprint},
]
