import {randomUUID} from 'node:crypto'

import {ec2Region} from '../catalog.js'
import type {ApiHandler, SandboxRequest, SandboxResponse} from '../http.js'
import type {World} from '../world.js'
import {consoleOutputActions} from './console-output.js'
import {imageActions} from './images.js'
import {instanceAttributeActions} from './instance-attributes.js'
import {instanceStatusActions} from './instance-status.js'
import {instanceTypeActions} from './instance-types.js'
import {instanceActions, instanceXml} from './instances.js'
import {keyPairActions} from './key-pairs.js'
import {networkActions} from './network.js'
import {bool, Ec2Error, type Params} from './params.js'
import {regionActions} from './regions.js'
import {securityGroupActions} from './security-groups.js'
import {type Action} from './shared.js'
import {parsePairs, verifySignature} from './signature.js'
import {tagActions} from './tags.js'
import {volumeActions} from './volumes.js'
import {document, errorDocument} from './xml.js'

export {EC2_ACCOUNT_ID} from './shared.js'

/**
 * The EC2 Query API: form-encoded POST (AWS SDKs, the AWS CLI) or GET with query parameters
 * (Libcloud), signed with SigV4 or SigV2, answered with EC2's XML documents and error format.
 * Here: the signature check and the dispatch by action name; each resource's actions live in its own
 * module beside this one.
 */
export class Ec2Api implements ApiHandler {
  readonly cloud = 'ec2' as const
  private readonly actions: Record<string, Action>

  constructor(private readonly world: World) {
    this.actions = {
      ...instanceActions(world),
      ...imageActions(),
      ...instanceTypeActions(),
      ...regionActions(),
      ...keyPairActions(world),
      ...securityGroupActions(world),
      ...tagActions(world),
      ...networkActions(),
      ...instanceStatusActions(world),
      ...instanceAttributeActions(world),
      ...consoleOutputActions(world),
      ...volumeActions(world),
    }
  }

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const requestId = randomUUID()
    const isForm = request.method === 'POST' && (request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
    const pairs = [...parsePairs(request.rawQuery), ...(isForm ? parsePairs(request.body) : [])]
    const params: Params = new Map(pairs)
    const check = verifySignature(request, pairs, this.world.credentials.ec2)
    if (!check.ok) {
      const message =
        check.reason === 'missing'
          ? 'AWS was not able to validate the provided access credentials (the request is not signed)'
          : 'AWS was not able to validate the provided access credentials'
      return this.error(new Ec2Error('AuthFailure', message, 401), requestId)
    }
    const region = check.region ?? this.world.credentials.ec2.region
    if (!ec2Region(region)) {
      return this.error(new Ec2Error('AuthFailure', `Credential should be scoped to a valid region, not '${region}'.`, 401), requestId)
    }
    const actionName = params.get('Action')
    const action = actionName ? this.actions[actionName] : undefined
    if (!action) {
      return this.error(
        actionName
          ? new Ec2Error('InvalidAction', `The action ${actionName} is not valid for this web service.`)
          : new Ec2Error('MissingAction', 'The request must contain the parameter Action'),
        requestId,
      )
    }
    try {
      if (bool(params, 'DryRun')) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412)
      const inner = await action({params, region, host: request.headers.host ?? '127.0.0.1'})
      return {status: 200, headers: {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}, body: document(actionName!, requestId, inner)}
    } catch (error) {
      if (error instanceof Ec2Error) return this.error(error, requestId)
      throw error
    }
  }

  warm(): void {
    for (const {node: n} of this.world.listNodes('ec2')) instanceXml(n)
  }

  throttled(): SandboxResponse {
    return this.error(new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503), randomUUID())
  }

  unavailable(): SandboxResponse {
    return this.error(new Ec2Error('Unavailable', 'The server is overloaded and cannot handle the request.', 503), randomUUID())
  }

  private error(error: Ec2Error, requestId: string): SandboxResponse {
    return {status: error.status, headers: {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}, body: errorDocument(error.code, error.message, requestId)}
  }
}
