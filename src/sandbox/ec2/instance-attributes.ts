import {EC2_INSTANCE_TYPES} from '../catalog.js'
import type {Ec2InstanceAttributes, NodeRecord} from '../types.js'
import type {World} from '../world.js'
import {Ec2Error, indexed, required} from './params.js'
import {type Action, type Call, existing, instanceDeviceMapping, ROOT_DEVICE} from './shared.js'
import {el, list, node} from './xml.js'

/**
 * DescribeInstanceAttribute and ModifyInstanceAttribute for the common attributes. Instance type and
 * user data change only while the instance is stopped, as on EC2; a protected instance refuses
 * TerminateInstances (see api.ts).
 */

const ATTRIBUTES = new Set([
  'instanceType',
  'kernel',
  'ramdisk',
  'userData',
  'disableApiTermination',
  'instanceInitiatedShutdownBehavior',
  'rootDeviceName',
  'blockDeviceMapping',
  'productCodes',
  'sourceDestCheck',
  'groupSet',
  'ebsOptimized',
  'sriovNetSupport',
  'enaSupport',
  'enclaveOptions',
  'disableApiStop',
])

function attributeXml(n: NodeRecord, name: string): string {
  const a: Ec2InstanceAttributes = n.ec2!.attributes ?? {}
  switch (name) {
    case 'instanceType': {
      return node('instanceType', el('value', n.size))
    }
    case 'kernel':
    case 'ramdisk':
    case 'sriovNetSupport': {
      return `<${name}/>`
    }
    case 'userData': {
      return n.ec2!.userData ? node('userData', el('value', n.ec2!.userData)) : '<userData/>'
    }
    case 'disableApiTermination':
    case 'disableApiStop':
    case 'ebsOptimized': {
      return node(name, el('value', a[name] ?? false))
    }
    case 'sourceDestCheck': {
      return node(name, el('value', a.sourceDestCheck ?? true))
    }
    case 'enaSupport': {
      return node(name, el('value', true))
    }
    case 'instanceInitiatedShutdownBehavior': {
      return node(name, el('value', a.instanceInitiatedShutdownBehavior ?? 'stop'))
    }
    case 'rootDeviceName': {
      return node(name, el('value', ROOT_DEVICE))
    }
    case 'blockDeviceMapping': {
      return instanceDeviceMapping(n, new Date(n.createdAt).toISOString())
    }
    case 'productCodes': {
      return '<productCodes/>'
    }
    case 'groupSet': {
      return list('groupSet', n.ec2!.securityGroups, (g) => el('groupId', g.id))
    }
    default: {
      return node('enclaveOptions', el('enabled', false))
    }
  }
}

function bool(text: string, name: string): boolean {
  const lower = text.toLowerCase()
  if (lower !== 'true' && lower !== 'false') throw new Ec2Error('InvalidParameterValue', `Value (${text}) for parameter ${name} is invalid. Expected a boolean.`)
  return lower === 'true'
}

function requireStopped(n: NodeRecord): void {
  if (n.status !== 'stopped') throw new Ec2Error('IncorrectInstanceState', `The instance '${n.id}' is not in the 'stopped' state.`)
}

/** The one change a ModifyInstanceAttribute call asks for: `<Name>.Value`, or `Attribute` with `Value`. */
function requestedChange(call: Call): {name: string; value: string | string[]} {
  const {params} = call
  const groups = indexed(params, 'GroupId')
  if (groups.length > 0) return {name: 'groupSet', value: groups}
  const structured: [string, string][] = [
    ['InstanceType.Value', 'instanceType'],
    ['UserData.Value', 'userData'],
    ['DisableApiTermination.Value', 'disableApiTermination'],
    ['DisableApiStop.Value', 'disableApiStop'],
    ['InstanceInitiatedShutdownBehavior.Value', 'instanceInitiatedShutdownBehavior'],
    ['SourceDestCheck.Value', 'sourceDestCheck'],
    ['EbsOptimized.Value', 'ebsOptimized'],
  ]
  const given = structured.filter(([key]) => params.has(key))
  const legacy = params.get('Attribute')
  if (given.length + (legacy === undefined ? 0 : 1) !== 1) {
    throw new Ec2Error('InvalidParameterCombination', 'Exactly one attribute may be modified per request.')
  }
  if (legacy !== undefined) {
    if (!ATTRIBUTES.has(legacy)) throw new Ec2Error('InvalidParameterValue', `Value (${legacy}) for parameter attribute is invalid. Unknown attribute.`)
    return {name: legacy, value: required(params, 'Value')}
  }
  const [key, name] = given[0]
  return {name, value: params.get(key)!}
}

export function instanceAttributeActions(world: World): Record<string, Action> {
  return {
    DescribeInstanceAttribute(call) {
      const id = required(call.params, 'InstanceId')
      const name = required(call.params, 'Attribute')
      if (!ATTRIBUTES.has(name)) throw new Ec2Error('InvalidParameterValue', `Value (${name}) for parameter attribute is invalid. Unknown attribute.`)
      const [n] = existing(world, call, [id])
      return el('instanceId', n.id) + attributeXml(n, name)
    },

    ModifyInstanceAttribute(call) {
      const [n] = existing(world, call, [required(call.params, 'InstanceId')])
      const {name, value: given} = requestedChange(call)
      const text = Array.isArray(given) ? '' : given
      const attributes: Ec2InstanceAttributes = {...n.ec2!.attributes}
      let updated: NodeRecord = n
      switch (name) {
        case 'instanceType': {
          requireStopped(n)
          if (!EC2_INSTANCE_TYPES.some((t) => t.name === text)) throw new Ec2Error('InvalidInstanceAttributeValue', `Value (${text}) for parameter instanceType is invalid.`)
          updated = {...n, size: text}
          break
        }
        case 'userData': {
          requireStopped(n)
          updated = {...n, ec2: {...n.ec2!, userData: text}}
          break
        }
        case 'disableApiTermination':
        case 'disableApiStop':
        case 'sourceDestCheck':
        case 'ebsOptimized': {
          attributes[name] = bool(text, name)
          break
        }
        case 'instanceInitiatedShutdownBehavior': {
          if (text !== 'stop' && text !== 'terminate') throw new Ec2Error('InvalidParameterValue', `Value (${text}) for parameter instanceInitiatedShutdownBehavior is invalid.`)
          attributes.instanceInitiatedShutdownBehavior = text
          break
        }
        case 'groupSet': {
          const ids = given as string[]
          const known = new Map(world.store.list<{id: string; name: string}>('ec2', 'secgroup', call.region).map((e) => [e.value.id, e.value.name]))
          const missing = ids.filter((g) => !known.has(g))
          if (missing.length > 0) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${missing[0]}' does not exist`)
          updated = {...n, ec2: {...n.ec2!, securityGroups: ids.map((id) => ({id, name: known.get(id)!}))}}
          break
        }
        default: {
          throw new Ec2Error('InvalidParameterValue', `Value (${name}) for parameter attribute is invalid. This attribute cannot be modified.`)
        }
      }
      world.saveNode({...updated, ec2: {...updated.ec2!, attributes}, updatedAt: world.now()})
      return el('return', true)
    },
  }
}
