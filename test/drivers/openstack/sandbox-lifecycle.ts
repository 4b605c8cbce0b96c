import {expect} from 'vitest'

import {NotFoundError} from '../../../src/core/errors.js'
import type {Image, Node, Size} from '../../../src/core/model.js'
import type {CloudDriver} from '../../../src/drivers/types.js'

export const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mc-probe'

/** The smallest flavor whose disk holds the image (Nova refuses a flavor below the image's minDisk). */
export function fittingSize(sizes: Size[], image: Image): Size {
  const minDisk = image.minDiskGb ?? 0
  const fits = sizes.filter((s) => (s.diskGb ?? 0) >= minDisk).sort((a, b) => a.memoryMb - b.memoryMb)
  expect(fits.length, `a flavor with at least ${minDisk} GB of disk`).toBeGreaterThan(0)
  return fits[0]
}

/** Poll until the node is gone from the API (NotFound) or listed as terminated. */
export async function waitUntilGone(driver: CloudDriver, id: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await driver.getNode(id)).state === 'terminated') return
    } catch (error) {
      if (error instanceof NotFoundError) return
      throw error
    }
    if (Date.now() > deadline) throw new Error(`node ${id} still exists after ${timeoutMs} ms`)
    await new Promise((resolve) => {
      setTimeout(resolve, 100)
    })
  }
}

/** create -> ACTIVE -> listed -> rebooted -> deleted, through the driver only. */
export async function lifecycle(driver: CloudDriver, name: string): Promise<Node> {
  const images = await driver.listImages()
  const image = images.find((i) => i.probeReady)
  expect(image, 'a probe-ready image').toBeDefined()
  const size = fittingSize(await driver.listSizes(), image!)
  const created = await driver.createNode({name, image: image!.id, size: size.id, keyName: `${name}-key`, publicKey: PUBLIC_KEY, tags: {'mc-fleet': 'it'}})
  expect(created).toMatchObject({name, provider: driver.provider, region: driver.region, image: image!.id, size: size.id})
  expect(['pending', 'running']).toContain(created.state)
  expect((await driver.listKeyPairs()).map((k) => k.name)).toContain(`${name}-key`)

  const running = await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})
  expect(running).toMatchObject({id: created.id, state: 'running', providerState: 'ACTIVE'})
  expect(running.publicIps.length).toBeGreaterThan(0)
  expect(running.tags['mc-fleet']).toBe('it')
  const listed = (await driver.listNodes()).find((n) => n.id === created.id)
  expect(listed).toMatchObject({state: 'running', name})

  await driver.rebootNode(created.id)
  await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})
  await driver.destroyNode(created.id)
  await waitUntilGone(driver, created.id)
  expect((await driver.listNodes()).map((n) => n.id)).not.toContain(created.id)
  return running
}
