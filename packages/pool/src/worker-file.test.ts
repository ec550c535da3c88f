import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { rejection } from '@boundkit/internal'
import { afterEach, describe, expect, it } from 'vitest'
import { codeOf, fixture, fixturePool } from '../test/helpers'
import { createPool, type Pool } from './index'
import { moduleFormatHint, typeScriptImportHint } from './module-format'
import { canLoadTypeScript, resolveWorkerFile } from './worker-file'

let pool: Pool | undefined
afterEach(async () => {
  await pool?.destroy()
  pool = undefined
})

describe('worker file checks before any worker starts', () => {
  it('rejects a missing file, a bad extension and a bad `worker` value', () => {
    expect(codeOf(() => createPool({ worker: fixture('missing.mjs') }))).toBe('ERR_WORKER_FILE')
    const text = join(tmpdir(), `boundkit-pool-${process.pid}.txt`)
    writeFileSync(text, 'not a worker')
    expect(codeOf(() => createPool({ worker: text }))).toBe('ERR_WORKER_FILE')
    expect(codeOf(() => createPool({ worker: 42 as never }))).toBe('ERR_INVALID_OPTION')
    expect(codeOf(() => createPool({ worker: new URL('https://example.com/w.js') }))).toBe(
      'ERR_INVALID_OPTION',
    )
  })

  it('says what to do with a .ts worker where Node cannot strip types', () => {
    expect(() => resolveWorkerFile(fixture('typed.ts'), false)).toThrow(/Compile it to \.js.*Node >= 22\.18/)
    expect(resolveWorkerFile(fixture('typed.ts'), true)).toBe(fixture('typed.ts').href)
    expect(canLoadTypeScript({ typescript: 'strip' })).toBe(true)
    expect(canLoadTypeScript({})).toBe(false)
  })

  it('runs a .ts worker on a Node that strips types, and refuses it with ERR_WORKER_FILE elsewhere', async () => {
    if (canLoadTypeScript()) {
      pool = fixturePool('typed.ts')
      expect(await pool.run('length', { x: 3, y: 4 })).toBe(50)
    } else {
      const error = (() => {
        try {
          createPool({ worker: fixture('typed.ts') })
        } catch (e) {
          return e as { code: string; message: string }
        }
        throw new Error('expected createPool to throw')
      })()
      expect(error.code).toBe('ERR_WORKER_FILE')
      expect(error.message).toContain(process.version)
      expect(error.message).toMatch(/Compile it to \.js/)
    }
  })
})

// Written at run time: a file that does not parse cannot live in the linted sources.
const syntaxError = join(tmpdir(), `boundkit-pool-syntax-error-${process.pid}.mjs`)
writeFileSync(syntaxError, 'export default {\n  this is not javascript\n')

describe('worker files that fail to load', () => {
  it.each([
    [syntaxError, /Could not load the worker file .*syntax-error-\d+\.mjs/],
    ['top-level-throw.mjs', /broken at load/],
    ['no-export.mjs', /does not export defineWorker/],
  ])('%s: every task rejects with ERR_WORKER_FILE', async (name, message) => {
    pool = name.startsWith('/') ? createPool({ worker: name, threads: 2 }) : fixturePool(name)
    const errors = await Promise.all([rejection(pool.run('double', 1)), rejection(pool.run('double', 2))])
    for (const error of errors) {
      expect(error.code).toBe('ERR_WORKER_FILE')
      expect(error.message).toMatch(message)
    }
  })

  it('init that throws: ERR_WORKER_INIT with the reason', async () => {
    pool = fixturePool('init-fails.mjs')
    const error = await rejection(pool.run('double', 1))
    expect(error.code).toBe('ERR_WORKER_INIT')
    expect(error.message).toMatch(/model file not found/)
  })

  it('loads a .js worker whose definition is a named export', async () => {
    pool = fixturePool('plain.js', { threads: 1 })
    expect(await pool.run('triple', 5)).toBe(15)
  })

  it('loads a CommonJS worker file given as a path', async () => {
    pool = createPool({ worker: fixture('commonjs.cjs').pathname, threads: 1, initData: 'hello' })
    expect(await pool.run('greet', 'world')).toBe('hello world')
  })
})

// Issue 19: on Node 24 a .ts worker with `import` in a package whose package.json says
// "type": "commonjs" failed with only Node's "Cannot use import statement outside a module".
describe('a worker file written as an ES module where Node loads it as CommonJS', () => {
  const dir = join(tmpdir(), `boundkit-pool-commonjs-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "name": "commonjs-app", "type": "commonjs" }\n')
  const poolModule = new URL('../dist/index.js', import.meta.url).href
  const source = (typed: boolean) =>
    `import { defineWorker } from '${poolModule}'\n` +
    `export default defineWorker({ tasks: { length: (p${typed ? ': { x: number; y: number }' : ''}) => Math.hypot(p.x, p.y) } })\n`
  const file = (name: string, typed: boolean) => {
    writeFileSync(join(dir, name), source(typed))
    return pathToFileURL(join(dir, name))
  }

  it('says to rename a .ts worker to .mts or set "type": "module" (or, where Node cannot strip types, to build it)', async () => {
    const worker = file('worker.ts', true)
    if (canLoadTypeScript()) {
      pool = createPool({ worker, threads: 1 })
      const error = await rejection(pool.run('length', { x: 3, y: 4 }))
      expect(error.code).toBe('ERR_WORKER_FILE')
      expect(error.message).toMatch(/Cannot use import statement outside a module/)
      expect(error.message).toMatch(/rename it to \.mts, or set "type": "module" in that package\.json/)
      await pool.destroy()
      // The advice works: the same file as .mts loads.
      pool = createPool({ worker: file('worker.mts', true), threads: 1 })
      expect(await pool.run('length', { x: 3, y: 4 })).toBe(5)
    } else {
      // Node 20 cannot load .ts in a worker at all: refused at once, saying to build it.
      let error: { code?: string; message: string } | undefined
      try {
        createPool({ worker, threads: 1 })
      } catch (e) {
        error = e as { code?: string; message: string }
      }
      expect(error?.code).toBe('ERR_WORKER_FILE')
      expect(error?.message).toMatch(/Compile it to \.js\/\.mjs .* or run on Node >= 22\.18/)
    }
  })

  it('says to rename a .js worker to .mjs or set "type": "module", on every Node', async () => {
    pool = createPool({ worker: file('worker.js', false), threads: 1 })
    const error = await rejection(pool.run('length', { x: 3, y: 4 }))
    expect(error.code).toBe('ERR_WORKER_FILE')
    expect(error.message).toMatch(/rename it to \.mjs, or set "type": "module" in that package\.json/)
    await pool.destroy()
    pool = createPool({ worker: file('worker.mjs', false), threads: 1 })
    expect(await pool.run('length', { x: 3, y: 4 })).toBe(5)
  })

  it('gives the hint only for that failure', () => {
    const esm = 'Cannot use import statement outside a module'
    expect(moduleFormatHint('/app/worker.ts', esm)).toMatch(/rename it to \.mts, or set "type": "module"/)
    expect(moduleFormatHint('/app/worker.js', "Unexpected token 'export'")).toMatch(/rename it to \.mjs/)
    expect(moduleFormatHint('/app/worker.cts', esm)).toMatch(/always CommonJS: rename it to \.mts\.$/)
    expect(moduleFormatHint('/app/worker.mts', esm)).toBe('')
    expect(moduleFormatHint('/app/worker.ts', 'Unexpected identifier')).toBe('')
  })
})

// A .ts worker (Node >= 22.18) that imports a sibling the NodeNext way, `./hash-core.js`, failed with
// only Node's "Cannot find module .../hash-core.js".
describe('a TypeScript worker that imports a sibling by its .js name', () => {
  const dir = join(tmpdir(), `boundkit-pool-ts-imports-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "name": "ts-app", "type": "module" }\n')
  writeFileSync(join(dir, 'hash-core.ts'), 'export const hash = (text: string): number => text.length\n')
  const worker = (name: string, specifier: string) => {
    writeFileSync(
      join(dir, name),
      `import { defineWorker } from '${new URL('../dist/index.js', import.meta.url).href}'\n` +
        `import { hash } from '${specifier}'\n` +
        'export default defineWorker({ tasks: { hash: (text: string) => hash(text) } })\n',
    )
    return pathToFileURL(join(dir, name))
  }

  it('says to import it by its .ts name, which then loads', async () => {
    if (!canLoadTypeScript()) return // Node 20: a .ts worker is refused at once (tested above)
    pool = createPool({ worker: worker('worker.ts', './hash-core.js'), threads: 1 })
    const error = await rejection(pool.run('hash', 'abc'))
    expect(error.code).toBe('ERR_WORKER_FILE')
    expect(error.message).toMatch(/Cannot find module '.*hash-core\.js'/)
    expect(error.message).toMatch(
      /does not look for hash-core\.ts when told hash-core\.js: import it as \.\/hash-core\.ts/,
    )
    await pool.destroy()
    pool = createPool({ worker: worker('fixed.ts', './hash-core.ts'), threads: 1 })
    expect(await pool.run('hash', 'abc')).toBe(3)
  })

  it('gives the hint only where the .ts file is there and the worker is TypeScript', () => {
    const reason = (file: string) =>
      `Cannot find module '${join(dir, file)}' imported from ${join(dir, 'w.ts')}`
    expect(typeScriptImportHint(join(dir, 'w.ts'), reason('hash-core.js'))).toMatch(
      /import it as \.\/hash-core\.ts/,
    )
    expect(typeScriptImportHint(join(dir, 'w.mts'), reason('hash-core.js'))).not.toBe('')
    expect(typeScriptImportHint(join(dir, 'w.ts'), reason('missing.js'))).toBe('')
    expect(typeScriptImportHint(join(dir, 'w.mjs'), reason('hash-core.js'))).toBe('')
  })
})
