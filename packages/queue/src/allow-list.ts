/**
 * What a job may choose, and what it may not: a worker runs only the `defineWorker` files it was
 * started with (`workerFiles`), and sends its requests only to the origins it was started with
 * (`httpOrigins`, required with credential headers). A job's data comes from whoever can write to
 * Redis: these are checked before anything is loaded or sent.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The absolute path of a worker file: a path (in the worker process's cwd) or a `file:` URL. */
export function workerFilePath(file: string | URL): string {
  if (file instanceof URL || file.startsWith('file:')) return resolve(fileURLToPath(file))
  return resolve(file)
}

/** `scheme://host[:port]` of an `http:` or `https:` URL, or undefined for anything else. */
export function httpOrigin(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined
}
