import { existsSync, statSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { expected } from '@boundkit/internal'
import { invalidOption, PoolError } from './errors'

const JS_EXTENSIONS = new Set(['.js', '.mjs', '.cjs'])
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts'])

/** Whether this Node strips TypeScript types by default (Node >= 22.18, or 23.6+ without a flag). */
export function canLoadTypeScript(
  features: { typescript?: unknown } = process.features as { typescript?: unknown },
): boolean {
  return Boolean(features.typescript)
}

/**
 * Checks the user's worker file before any worker starts and returns it as a file URL. A missing
 * file, an unknown extension, or a `.ts` file on a Node that cannot strip types is `ERR_WORKER_FILE`.
 */
export function resolveWorkerFile(worker: unknown, typescript = canLoadTypeScript()): string {
  let path: string
  if (worker instanceof URL) {
    if (worker.protocol !== 'file:') invalidOption(expected('worker', 'a file URL or a path', worker.href))
    path = fileURLToPath(worker)
  } else if (typeof worker === 'string' && worker.length > 0) {
    path = worker.startsWith('file:') ? fileURLToPath(worker) : worker
  } else {
    return invalidOption(expected('worker', 'a file URL or a path', worker))
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new PoolError('ERR_WORKER_FILE', `The worker file ${path} does not exist`)
  }
  const extension = extname(path)
  if (TS_EXTENSIONS.has(extension)) {
    if (!typescript) {
      throw new PoolError(
        'ERR_WORKER_FILE',
        `The worker file ${path} is TypeScript, which Node ${process.version} cannot load in a worker thread. ` +
          'Compile it to .js/.mjs (tsc, tsup, esbuild) and point `worker` at the output, or run on Node >= 22.18, which strips types.',
      )
    }
  } else if (!JS_EXTENSIONS.has(extension)) {
    throw new PoolError(
      'ERR_WORKER_FILE',
      `The worker file ${path} has the extension ${JSON.stringify(extension)}; expected .js, .mjs or .cjs (or .ts on Node >= 22.18)`,
    )
  }
  return pathToFileURL(path).href
}
