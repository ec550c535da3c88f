/**
 * The piscina engine under the pool: finding the pool's own worker entry (checked at `createPool`),
 * loading piscina, and stopping its workers within a grace period.
 */
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { expected } from '@boundkit/internal'
import type { Piscina } from 'piscina'
import { invalidOption, PoolError } from './errors'

/** What every message about a missing entry says to do, and where the README explains it. */
const SEE = 'see "Bundling" in the README of @boundkit/pool'
const COPY =
  "copy @boundkit/pool's dist/worker-entry.cjs beside your bundle and pass its path as `workerEntry`"

/**
 * This module's own file URL; `undefined` where a bundler turned it into CommonJS and left no
 * `import.meta.url`.
 */
function ownUrl(): string | undefined {
  const url: unknown = import.meta.url
  return typeof url === 'string' && url.startsWith('file:') ? url : undefined
}

/**
 * The CommonJS build of the worker entry (piscina `require()`s it first, and on Node >= 22 a
 * `require()` of an ES module that is being terminated mid-load can abort the worker), as a path:
 * `workerEntry` when given, else the one beside this module. Checked here, at `createPool`, because a
 * bundler that moves this code into an app leaves the entry behind, and every task would fail late.
 */
export function resolveEntry(given: unknown, workerFile: string): string {
  if (given !== undefined) return checkedEntry(givenPath(given), workerFile)
  const own = ownUrl()
  if (own === undefined) {
    throw new PoolError(
      'ERR_WORKER_ENTRY',
      `@boundkit/pool cannot find its worker entry: it runs without import.meta.url (bundled to CommonJS?). To bundle it, ${COPY} (${SEE})`,
    )
  }
  const here = new URL('./worker-entry.cjs', own)
  // Running from the sources (this package's own tests): use the built entry.
  const path = fileURLToPath(existsSync(here) ? here : new URL('../dist/worker-entry.cjs', own))
  if (!isFile(path)) {
    throw new PoolError(
      'ERR_WORKER_ENTRY',
      `@boundkit/pool's worker entry is not at ${path}: a bundler has moved the pool's code into your app without it. To bundle the pool, ${COPY} (${SEE})`,
    )
  }
  return path
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile()
}

function givenPath(given: unknown): string {
  if (given instanceof URL && given.protocol === 'file:') return fileURLToPath(given)
  if (typeof given === 'string' && given.length > 0) {
    return given.startsWith('file:') ? fileURLToPath(given) : resolve(given)
  }
  return invalidOption(
    expected('workerEntry', "a file URL or a path of @boundkit/pool's worker-entry.cjs", given),
  )
}

/**
 * A `workerEntry` must exist, keep its `.cjs` name (it is CommonJS, whatever the folder's `"type"`) and
 * not be the worker file itself (which goes in `worker`).
 */
function checkedEntry(path: string, workerFile: string): string {
  let wrong: string | undefined
  if (!isFile(path)) wrong = "does not exist: copy @boundkit/pool's dist/worker-entry.cjs there"
  else if (pathToFileURL(path).href === workerFile) wrong = 'is the worker file, which goes in `worker`'
  else if (extname(path) !== '.cjs') wrong = "is not a .cjs file, as @boundkit/pool's worker-entry.cjs is"
  if (wrong) throw new PoolError('ERR_WORKER_ENTRY', `\`workerEntry\` names ${path}, which ${wrong} (${SEE})`)
  return path
}

/**
 * piscina is loaded when the first pool starts, not when this module loads: worker files import
 * this package for `defineWorker`, and on Node 24 a piscina worker that has loaded piscina's own
 * main module in it never exits when terminated (so `destroy()` would hang). It is found from this
 * module, or from the worker entry where a bundle has no `import.meta.url`.
 */
let piscinaClass: typeof Piscina | undefined
export function loadPiscina(entry: string): typeof Piscina {
  if (piscinaClass) return piscinaClass
  const from = ownUrl() ?? entry
  try {
    piscinaClass = (createRequire(from)('piscina') as { Piscina: typeof Piscina }).Piscina
  } catch (error) {
    throw new PoolError(
      'ERR_WORKER_ENTRY',
      `@boundkit/pool cannot load piscina, its engine, from ${from}: install piscina where the app runs (a bundle leaves it in node_modules; ${SEE})`,
      { cause: error },
    )
  }
  return piscinaClass
}

const STOP_GRACE_MS = 5000

/**
 * Stops every worker. A worker that does not exit within `STOP_GRACE_MS` of being terminated
 * (Node 24 can leave one hanging, e.g. when the worker file imported piscina itself) is unref'd
 * so it cannot keep the process alive, and `close()`/`destroy()` still return.
 */
export async function stopWorkers(piscina: Piscina): Promise<void> {
  const workers = [...piscina.threads]
  let timer: NodeJS.Timeout | undefined
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      for (const worker of workers) worker.unref()
      resolve()
    }, STOP_GRACE_MS)
    timer.unref()
  })
  await Promise.race([piscina.destroy(), grace])
  clearTimeout(timer)
}
