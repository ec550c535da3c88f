import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Spilling: fetched payloads go to files in a temporary folder of the pipeline's own (under the
 * caller's `dir`), and the process stage gets the file's path. Each file is removed once its item is
 * processed; the folder, with anything left in it, on close.
 */
export class Spill {
  readonly #dir: string
  #folder: Promise<string> | undefined

  constructor(dir: string) {
    this.#dir = dir
  }

  #ensureFolder(): Promise<string> {
    this.#folder ??= mkdir(this.#dir, { recursive: true }).then(() =>
      mkdtemp(join(this.#dir, 'boundkit-pipeline-')),
    )
    return this.#folder
  }

  async write(index: number, payload: unknown): Promise<string> {
    const folder = await this.#ensureFolder()
    const path = join(folder, `item-${index}`)
    await writeFile(path, toBytes(payload))
    return path
  }

  async remove(path: string): Promise<void> {
    await unlink(path).catch(() => undefined)
  }

  async close(): Promise<void> {
    const folder = this.#folder
    this.#folder = undefined
    const path = await folder?.catch(() => undefined)
    if (path) await rm(path, { recursive: true, force: true }).catch(() => undefined)
  }
}

function toBytes(payload: unknown): Uint8Array | string {
  if (typeof payload === 'string') return payload
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload)
  if (ArrayBuffer.isView(payload))
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
  return JSON.stringify(payload)
}
