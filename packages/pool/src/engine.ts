/**
 * The piscina engine under the pool: loading it, finding the pool's own worker entry, and stopping
 * its workers within a grace period.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { Piscina } from 'piscina'

/**
 * piscina is loaded when the first pool starts, not when this module loads: worker files import
 * this package for `defineWorker`, and on Node 24 a piscina worker that has loaded piscina's own
 * main module in it never exits when terminated (so `destroy()` would hang).
 */
let piscinaClass: typeof Piscina | undefined
export function loadPiscina(): typeof Piscina {
  piscinaClass ??= (createRequire(import.meta.url)('piscina') as { Piscina: typeof Piscina }).Piscina
  return piscinaClass
}

/**
 * The CommonJS build of the worker entry: piscina `require()`s it first, and on Node >= 22 a
 * `require()` of an ES module that is being terminated mid-load can abort the worker.
 */
export function entryPath(): string {
  const here = new URL('./worker-entry.cjs', import.meta.url)
  if (existsSync(here)) return fileURLToPath(here)
  // Running from the sources (this package's own tests): use the built entry.
  return fileURLToPath(new URL('../dist/worker-entry.cjs', import.meta.url))
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
