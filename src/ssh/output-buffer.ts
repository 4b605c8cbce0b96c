/** Cap on what one command may print; more is cut (a check prints a few KB at most). */
export const MAX_OUTPUT_BYTES = 1024 * 1024

/** Collects output up to MAX_OUTPUT_BYTES; decodes once so multi-byte characters split across chunks survive. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = []
  private size = 0
  private truncated = false

  push(chunk: Buffer): void {
    if (this.size >= MAX_OUTPUT_BYTES) {
      this.truncated = true
      return
    }
    const room = MAX_OUTPUT_BYTES - this.size
    this.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
    this.size += Math.min(chunk.length, room)
    if (chunk.length > room) this.truncated = true
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8')
    return this.truncated ? `${text}\n[output cut at ${MAX_OUTPUT_BYTES} bytes]` : text
  }
}
