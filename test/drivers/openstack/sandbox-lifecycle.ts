import {expect} from 'vitest'

import {NotFoundError} from '../../../src/core/errors.js'
import type {Image, Size} from '../../../src/core/model.js'
import type {CloudDriver} from '../../../src/drivers/types.js'

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
