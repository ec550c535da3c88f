import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool, type Pool } from '../src/index'
import { codeOf, fixture } from './helpers'

const POOL = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const ENTRY = fileURLToPath(new URL('../dist/worker-entry.cjs', import.meta.url))

/**
 * A new folder under this package's node_modules/.cache: code there finds piscina in node_modules,
 * as an app's bundle finds it in the app's.
 */
function scratch(prefix: string): string {
  const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url))
  mkdirSync(cache, { recursive: true })
  return mkdtempSync(join(cache, prefix))
}

describe('workerEntry', () => {
  let dir: string
  beforeAll(() => {
    dir = scratch('entry-')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('fails at createPool with ERR_WORKER_ENTRY when it is missing or another file', () => {
    const missing = () => createPool({ worker: fixture('basic.mjs'), workerEntry: join(dir, 'none.cjs') })
    expect(codeOf(missing)).toBe('ERR_WORKER_ENTRY')
    expect(missing).toThrow(/does not exist: copy @boundkit\/pool's dist\/worker-entry\.cjs there/)
    // The worker file given as the entry too, or another file: said so, before any worker starts.
    const own = () => createPool({ worker: fixture('commonjs.cjs'), workerEntry: fixture('commonjs.cjs') })
    expect(codeOf(own)).toBe('ERR_WORKER_ENTRY')
    expect(own).toThrow(/is the worker file, which goes in `worker`/)
    const other = () => createPool({ worker: fixture('basic.mjs'), workerEntry: fixture('plain.js') })
    expect(other).toThrow(/is not a \.cjs file/)
    expect(codeOf(() => createPool({ worker: fixture('basic.mjs'), workerEntry: 7 as never }))).toBe(
      'ERR_INVALID_OPTION',
    )
  })

  it('runs tasks from a copy of the entry elsewhere', async () => {
    const copy = join(dir, 'worker-entry.cjs')
    copyFileSync(ENTRY, copy)
    const pool: Pool = createPool({ worker: fixture('basic.mjs'), threads: 1, workerEntry: copy })
    try {
      expect(await pool.run('double', 21)).toBe(42)
    } finally {
      await pool.close()
    }
  })
})

// An app bundled with esbuild, the pool inlined: its code then runs from the app's bundle, far from
// the pool's own files.
describe('an app bundled with esbuild', () => {
  let dir: string
  beforeAll(() => {
    dir = scratch('bundle-')
    const src = join(dir, 'src')
    mkdirSync(src)
    writeFileSync(
      join(src, 'worker.mjs'),
      `import { defineWorker } from ${JSON.stringify(POOL)}\nexport default defineWorker({ tasks: { double: (n) => n * 2 } })\n`,
    )
    // The same app twice: ESM finds its files from import.meta.url, CommonJS from __dirname.
    for (const [name, here] of [
      ['main-esm.mjs', 'fileURLToPath(new URL(".", import.meta.url))'],
      ['main-cjs.mjs', '__dirname'],
    ] as const) {
      writeFileSync(
        join(src, name),
        `import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createPool } from ${JSON.stringify(POOL)}
const here = ${here}
const ext = ${JSON.stringify(name.includes('esm') ? 'mjs' : 'cjs')}
const options = { worker: join(here, 'worker.' + ext), threads: 1 }
if (process.env.ENTRY) options.workerEntry = join(here, 'worker-entry.cjs')
// No top-level await: CommonJS has none.
void (async () => {
  try {
    const pool = createPool(options)
    console.log(JSON.stringify(await pool.mapAll([1, 2, 3], 'double')))
    await pool.close()
  } catch (error) {
    console.log(JSON.stringify({ code: error.code, message: error.message }))
  }
})()
`,
      )
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  async function bundle(format: 'esm' | 'cjs', out = join(dir, format)): Promise<string> {
    const ext = format === 'esm' ? '.mjs' : '.cjs'
    await build({
      entryPoints: {
        main: join(dir, 'src', `main-${format}.mjs`),
        worker: join(dir, 'src', 'worker.mjs'),
      },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      outdir: out,
      outExtension: { '.js': ext },
      logLevel: 'silent',
    })
    return join(out, `main${ext}`)
  }

  async function run(main: string, env: Record<string, string> = {}): Promise<unknown> {
    // No NODE_PATH (pnpm sets one for its scripts): the bundle finds piscina as an app's would.
    const { NODE_PATH: _, ...inherited } = process.env
    const { stdout } = await promisify(execFile)(process.execPath, [main], {
      env: { ...inherited, ...env },
      timeout: 60_000,
    })
    return JSON.parse(stdout)
  }

  it.each(['esm', 'cjs'] as const)(
    '%s: without the entry beside it, createPool fails with ERR_WORKER_ENTRY saying what to do; with it copied and given as workerEntry, the tasks run',
    async (format) => {
      const main = await bundle(format)
      const failed = (await run(main)) as { code: string; message: string }
      expect(failed.code).toBe('ERR_WORKER_ENTRY')
      expect(failed.message).toMatch(/copy @boundkit\/pool's dist\/worker-entry\.cjs beside your bundle/)
      expect(failed.message).toMatch(/`workerEntry`/)
      copyFileSync(ENTRY, join(dir, format, 'worker-entry.cjs'))
      expect(await run(main, { ENTRY: '1' })).toEqual([2, 4, 6])
    },
  )

  it('says to install piscina where a bundle runs with no piscina to load', async () => {
    // Outside any node_modules: nothing to load piscina from.
    const alone = mkdtempSync(join(tmpdir(), 'pool-bundle-alone-'))
    try {
      const main = await bundle('esm', alone)
      copyFileSync(ENTRY, join(alone, 'worker-entry.cjs'))
      const failed = (await run(main, { ENTRY: '1' })) as { code: string; message: string }
      expect(failed.code).toBe('ERR_WORKER_ENTRY')
      expect(failed.message).toMatch(/cannot load piscina, its engine, .*install piscina where the app runs/)
    } finally {
      rmSync(alone, { recursive: true, force: true })
    }
  })
})
