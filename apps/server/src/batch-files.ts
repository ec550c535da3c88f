import { randomBytes } from 'node:crypto'

/** A file of the Files API, as OpenAI answers one. */
export interface FileObject {
  id: string
  object: 'file'
  bytes: number
  created_at: number
  filename: string
  purpose: string
  status: 'processed'
  expires_at: null
  status_details: null
}

/** An id as OpenAI writes them: a prefix and 24 hex digits. */
export function objectId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`
}

/**
 * The server's files, in memory, at most `maxBytes` of them at once: an upload that would pass it is
 * refused (the caller answers 413), and a batch's output is kept only while there is room.
 */
export class FileStore {
  readonly #files = new Map<string, { object: FileObject; content: Buffer }>()
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes
  }

  /** Keeps `content` as a new file, or undefined when the store has no room for it. */
  add(content: Buffer, filename: string, purpose: string): FileObject | undefined {
    if (this.#bytes + content.length > this.#maxBytes) return undefined
    const object: FileObject = {
      id: objectId('file-'),
      object: 'file',
      bytes: content.length,
      created_at: Math.floor(Date.now() / 1000),
      filename,
      purpose,
      status: 'processed',
      expires_at: null,
      status_details: null,
    }
    this.#files.set(object.id, { object, content })
    this.#bytes += content.length
    return object
  }

  get(id: string): { object: FileObject; content: Buffer } | undefined {
    return this.#files.get(id)
  }

  /** Forgets a file; false when there was none. */
  delete(id: string): boolean {
    const file = this.#files.get(id)
    if (file === undefined) return false
    this.#files.delete(id)
    this.#bytes -= file.content.length
    return true
  }
}
