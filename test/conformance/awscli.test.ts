import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {openSandbox, type TestSandbox} from '../sandbox/helpers.js'

// Debian's AWS CLI (awscli 2.9, /usr/bin/aws; a pyenv shim may shadow `aws` on PATH) is an
// independent EC2 client: it must not be able to tell the sandbox from EC2 for these calls.
const AWS = '/usr/bin/aws'
const skip = existsSync(AWS) ? undefined : `${AWS} is missing: install the Debian package awscli`
const run = promisify(execFile)

let box: TestSandbox
let home: string

// The CLI's JSON output, read field by field in the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function aws(args: string[], overrides: Record<string, string> = {}): Promise<any> {
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_ACCESS_KEY_ID: box.handle.credentials.ec2.accessKeyId,
    AWS_SECRET_ACCESS_KEY: box.handle.credentials.ec2.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    ...overrides,
  }
  const {stdout} = await run(AWS, ['--endpoint-url', box.handle.endpoints.ec2, '--output', 'json', 'ec2', ...args], {env, timeout: 60_000})
  return stdout.trim() ? JSON.parse(stdout) : {}
}

describe.skipIf(skip)(`AWS CLI against the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mc-awscli-'))
    box = await openSandbox({bootDelayMs: 200, seedNodes: {ec2: 12}, ssh: false})
  })

  afterAll(async () => {
    await box?.close()
    rmSync(home, {recursive: true, force: true})
  })

  it('run-instances, describe-instances (paged by the CLI with --page-size) and terminate-instances', async () => {
    const images = await aws(['describe-images', '--owners', '099720109477', '--filters', 'Name=name,Values=*noble-24.04-amd64*'])
    expect(images.Images).toHaveLength(1)
    const ran = await aws([
      'run-instances',
      '--image-id',
      images.Images[0].ImageId,
      '--instance-type',
      't3.small',
      '--count',
      '1',
      '--tag-specifications',
      'ResourceType=instance,Tags=[{Key=Name,Value=from-aws-cli}]',
    ])
    const instance = ran.Instances[0]
    expect(instance.State).toEqual({Code: 0, Name: 'pending'})
    expect(instance.Tags).toContainEqual({Key: 'Name', Value: 'from-aws-cli'})

    const described = await aws(['describe-instances', '--page-size', '5'])
    const instances = described.Reservations.flatMap((r: {Instances: unknown[]}) => r.Instances)
    expect(instances).toHaveLength(13)
    expect(new Set(instances.map((i: {InstanceId: string}) => i.InstanceId)).size).toBe(13)

    const filtered = await aws(['describe-instances', '--filters', 'Name=tag:Name,Values=from-aws-cli', '--query', 'Reservations[].Instances[].InstanceId'])
    expect(filtered).toEqual([instance.InstanceId])

    const terminated = await aws(['terminate-instances', '--instance-ids', instance.InstanceId])
    expect(terminated.TerminatingInstances[0]).toMatchObject({InstanceId: instance.InstanceId, CurrentState: {Code: 32, Name: 'shutting-down'}})
  })

  it('reports a wrong secret as AuthFailure, and an unknown instance as InvalidInstanceID.NotFound', async () => {
    const wrong = await aws(['describe-instances'], {AWS_SECRET_ACCESS_KEY: 'wrong'}).catch((error: {stderr: string}) => error)
    expect(wrong.stderr).toContain('An error occurred (AuthFailure) when calling the DescribeInstances operation: AWS was not able to validate the provided access credentials')
    const missing = await aws(['describe-instances', '--instance-ids', 'i-0123456789abcdef0']).catch((error: {stderr: string}) => error)
    expect(missing.stderr).toContain(
      "An error occurred (InvalidInstanceID.NotFound) when calling the DescribeInstances operation: The instance ID 'i-0123456789abcdef0' does not exist",
    )
  })
})
