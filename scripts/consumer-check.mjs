#!/usr/bin/env node
/**
 * The consumer check: packs every published package (pnpm pack, which turns `workspace:` ranges into
 * versions), installs the tarballs with npm into a new project outside the workspace, and imports each
 * package from an .mjs and a .cjs file. It also type-checks an import under `moduleResolution: node16`
 * and runs each package's own `consumer/*.mjs|cjs` smoke files (e.g. a pool task in a real worker).
 * The packed manifests must hold nothing of the workspace (`manifestProblems`), the declarations must
 * be one clean file per format with no `any` (`declarationProblems`), and the type tests
 * (`consumer/*.mts`, `scripts/consumer/types/`) must compile under `module` node16 and nodenext.
 * Then it runs each package README's first example as written (see `readmeExample`), against the demo
 * server and a private redis-server (the queue's example; `REDIS_URL`) started here, each README code
 * block marked `<!-- ci: runs against the demo server -->` (see `markedExamples`) against a demo
 * server that fails some requests as a real API does, and a README's "Bundling" recipe
 * (`readmeBundling`: esbuild, the package inlined). Fails if any import, type check, smoke file,
 * example or recipe fails.
 */
import { execFileSync, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { declarationProblems, manifestProblems } from './consumer/declarations.mjs'
import { readmeBundling, readmeExample, runNode, writeBlocks } from './consumer/readme-sections.mjs'
import { typeErrorProblems } from './consumer/type-errors.mjs'
import { pnpmCommand } from './pnpm.mjs'

const root = resolve(import.meta.dirname, '..')
/** The line before a README code block that this check runs as written (CONTRIBUTING.md). */
const RUNS_MARKER = '<!-- ci: runs against the demo server -->'
/**
 * The demo server of the marked blocks: 10% of its judge and chat requests fail (500, 503 with
 * Retry-After, or a reset connection), so a block shows it survives what a real API does.
 */
const FAULTY_SERVER_ARGS = ['--judge-fault-rate', '0.1']
const pnpm = pnpmCommand()
const work = mkdtempSync(join(tmpdir(), 'boundkit-consumer-'))
const tarballs = join(work, 'tarballs')
const app = join(work, 'app')
mkdirSync(tarballs)
mkdirSync(app)

function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private)

let failures = 0
try {
  for (const { dir } of packages) {
    execFileSync(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', tarballs], {
      cwd: dir,
      stdio: 'ignore',
    })
  }
  const files = readdirSync(tarballs).map((f) => join(tarballs, f))
  // Every tarball carries the license its manifest names, the repository's own text.
  const license = readFileSync(join(root, 'LICENSE'), 'utf8')
  for (const file of files) {
    const packed = execFileSync('tar', ['-xOzf', file, 'package/LICENSE'], { encoding: 'utf8' })
    if (packed !== license) throw new Error(`${file}: package/LICENSE differs from the repository's LICENSE`)
  }
  console.log(`ok   ${files.length} tarballs each hold LICENSE`)
  // Every packed package.json is what a user installs: nothing of the workspace's development set-up.
  for (const file of files) {
    const problems = manifestProblems(file)
    if (problems.length > 0) {
      failures++
      console.error(`FAIL ${file}: its package.json ${problems.join('; ')}`)
    }
  }
  console.log(
    `ok   ${files.length} packed manifests checked (no devDependencies, scripts or workspace ranges)`,
  )
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }, null, 2))
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...files,
      'typescript@5.9',
      '@types/node@20',
      // The pipeline's README example makes thumbnails with it, as a user of the pipeline would.
      'jimp@1',
      // The limiter's LLM recipe calls the demo server with the official client (6.x runs on Node 20).
      'openai@6',
      // The pool's README bundles an app with it ("Bundling").
      'esbuild@0.27',
      // ioredis 6's declarations import redis-errors, whose types it does not depend on: without them a
      // project that checks its libraries' declarations (no skipLibCheck, as below) cannot compile.
      '@types/redis-errors@1',
    ],
    app,
  )

  for (const { dir, manifest } of packages) {
    const name = manifest.name
    const esm = join(app, `${name.replace('@boundkit/', '')}.test.mjs`)
    const cjs = join(app, `${name.replace('@boundkit/', '')}.test.cjs`)
    writeFileSync(esm, `import * as m from '${name}'\nconsole.log(JSON.stringify(Object.keys(m).sort()))\n`)
    writeFileSync(cjs, `const m = require('${name}')\nconsole.log(JSON.stringify(Object.keys(m).sort()))\n`)
    const keys = (file) => JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' }))
    try {
      const fromEsm = keys(esm).filter((k) => k !== 'default')
      const fromCjs = keys(cjs).filter((k) => k !== 'default')
      if (fromEsm.length === 0) throw new Error('the ESM import has no exports')
      if (JSON.stringify(fromEsm) !== JSON.stringify(fromCjs)) {
        throw new Error(`ESM exports ${fromEsm.join(',')} differ from CJS exports ${fromCjs.join(',')}`)
      }
      console.log(`ok   ${name}: ESM and CJS both export ${fromEsm.join(', ')}`)
    } catch (error) {
      failures++
      console.error(`FAIL ${name}: ${error.message}`)
    }
    const smokeDir = join(dir, 'consumer')
    if (existsSync(smokeDir)) {
      for (const file of readdirSync(smokeDir).filter((f) => /\.(mjs|cjs|js)$/.test(f))) {
        const target = join(app, `smoke-${name.replace('@boundkit/', '')}-${file}`)
        cpSync(join(smokeDir, file), target)
        try {
          execFileSync(process.execPath, [target], { cwd: app, stdio: 'inherit', timeout: 120_000 })
          console.log(`ok   ${name}: consumer/${file}`)
        } catch {
          failures++
          console.error(`FAIL ${name}: consumer/${file}`)
        }
      }
    }
  }

  const demo = await startDemoServer()
  const redis = await startRedis().catch((error) => {
    demo.stop()
    throw error
  })
  try {
    for (const { dir, manifest } of packages) {
      const name = manifest.name
      try {
        const ran = readmeExample(dir, name, app, { BOUNDKIT_DEMO_URL: demo.url, REDIS_URL: redis.url })
        console.log(`ok   ${name}: README example (${ran}) runs as written`)
      } catch (error) {
        failures++
        console.error(`FAIL ${name}: README example: ${error.message}`)
      }
    }
  } finally {
    demo.stop()
    redis.stop()
  }
  failures += await runMarkedExamples()

  // A README's bundling recipe, run as written: bundled with esbuild, the package inlined.
  for (const { dir, manifest } of packages) {
    try {
      if (readmeBundling(dir, manifest.name, app)) {
        console.log(`ok   ${manifest.name}: README bundling recipe builds and its bundle runs`)
      }
    } catch (error) {
      failures++
      console.error(`FAIL ${manifest.name}: README bundling recipe: ${error.message}`)
    }
  }

  // The declarations as shipped: one file per module format, no `any`, no stray doc tag or hidden value.
  for (const { manifest } of packages) {
    const problems = declarationProblems(app, join(app, 'node_modules', manifest.name))
    if (problems.length > 0) {
      failures++
      for (const problem of problems) console.error(`FAIL ${manifest.name}: ${problem}`)
    } else {
      console.log(`ok   ${manifest.name}: declarations in one file per format, no any`)
    }
  }

  // Types as a user's TypeScript project sees them, with Node's own ESM resolution: every import, and
  // the type tests (the packages' consumer/*.mts and scripts/consumer/types), whose
  // `@ts-expect-error` lines must each be an error. Strict, and the libraries' declarations checked.
  const imports = packages.map(({ manifest }, i) => `import * as p${i} from '${manifest.name}'\nvoid p${i}`)
  writeFileSync(join(app, 'types.mts'), `${imports.join('\n')}\n`)
  const typeTests = join(root, 'scripts', 'consumer', 'types')
  for (const file of readdirSync(typeTests)) cpSync(join(typeTests, file), join(app, file))
  for (const { dir, manifest } of packages) {
    const smokeDir = join(dir, 'consumer')
    if (!existsSync(smokeDir)) continue
    for (const file of readdirSync(smokeDir).filter((f) => f.endsWith('.mts'))) {
      cpSync(join(smokeDir, file), join(app, `${manifest.name.replace('@boundkit/', '')}-${file}`))
    }
  }
  for (const module of ['node16', 'nodenext']) {
    const config = join(app, `tsconfig.${module}.json`)
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: { module, moduleResolution: module, strict: true, noEmit: true, types: ['node'] },
        include: ['*.mts'],
      }),
    )
    try {
      run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], app)
      console.log(`ok   types and type tests compile under module ${module}`)
    } catch {
      failures++
      console.error(`FAIL types or type tests under module ${module}`)
    }
  }
  // A type error reads as a user needs it (a misspelt task name lists the worker's tasks).
  const typeErrors = typeErrorProblems(app)
  if (typeErrors.length > 0) {
    failures++
    for (const problem of typeErrors) console.error(`FAIL type error: ${problem}`)
  } else {
    console.log('ok   type errors name what they should (scripts/consumer/type-errors)')
  }
} finally {
  if (!process.env.KEEP_CONSUMER) rmSync(work, { recursive: true, force: true })
}
if (failures) {
  console.error(`consumer check: ${failures} failure(s)`)
  process.exit(1)
}
console.log(
  `consumer check: ${packages.length} packages install from their tarballs and load from ESM and CJS`,
)

/**
 * The ```js blocks of a README that follow a `RUNS_MARKER` line, each a whole program starting with
 * `// file: NAME.mjs`.
 */
function markedExamples(dir) {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8')
  const marked = new RegExp(`^${RUNS_MARKER}\\n\`\`\`js\\n([\\s\\S]*?)^\`\`\`$`, 'gm')
  return [...readme.matchAll(marked)].map((match) => match[1])
}

/** Runs every marked block, each alone, against a demo server with faults; returns the failures. */
async function runMarkedExamples() {
  const marked = packages.flatMap(({ dir, manifest }) =>
    markedExamples(dir).map((code, i) => ({ name: manifest.name, code, i })),
  )
  if (marked.length === 0) return 0
  const demo = await startDemoServer(FAULTY_SERVER_ARGS)
  // The client's own settings are set too, so that no block ever calls a real API from here.
  const env = { BOUNDKIT_DEMO_URL: demo.url, OPENAI_BASE_URL: `${demo.url}/v1`, OPENAI_API_KEY: 'unused' }
  let failed = 0
  try {
    for (const { name, code, i } of marked) {
      try {
        const folder = join(app, 'examples', `${name.replace('@boundkit/', '')}-marked-${i}`)
        const [file] = writeBlocks(`\`\`\`js\n${code}\`\`\``, 'marked', folder)
        runNode(file, folder, env)
        console.log(`ok   ${name}: README block ${file} runs as written against a demo server with faults`)
      } catch (error) {
        failed++
        console.error(`FAIL ${name}: README block: ${error.message}`)
      }
    }
  } finally {
    demo.stop()
  }
  return failed
}

/**
 * A private redis-server for the queue's example: a free port on 127.0.0.1, a temporary directory,
 * nothing saved, `noeviction` (what BullMQ needs). Never the machine's own Redis.
 */
async function startRedis() {
  const port = await new Promise((resolvePort, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address()
      server.close(() => resolvePort(free))
    })
  })
  const dir = mkdtempSync(join(tmpdir(), 'boundkit-consumer-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '']
  args.push('--appendonly', 'no', '--maxmemory-policy', 'noeviction')
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const stop = () => {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
  return new Promise((resolvePromise, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      stop()
      reject(new Error('redis-server did not start within 30 s'))
    }, 30_000)
    child.stdout.on('data', (chunk) => {
      output += chunk
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        child.stdout.resume()
        resolvePromise({ url: `redis://127.0.0.1:${port}`, stop })
      }
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new Error(`redis-server could not start (apt-get install -y redis-server): ${error.message}`))
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}) before it was ready`))
    })
  })
}

/** The demo server (apps/server, built) on a free port, as the README examples expect it, with `args`. */
function startDemoServer(args = []) {
  const main = join(root, 'apps', 'server', 'dist', 'main.js')
  if (!existsSync(main)) throw new Error(`${main} is missing: build the workspace first`)
  const child = spawn(process.execPath, [main, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stop = () => child.kill('SIGTERM')
  return new Promise((resolvePromise, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      stop()
      reject(new Error('the demo server did not start within 30 s'))
    }, 30_000)
    child.stdout.on('data', (chunk) => {
      output += chunk
      const url = /listening on (\S+)/.exec(output)?.[1]
      if (url) {
        clearTimeout(timer)
        child.stdout.resume()
        resolvePromise({ url, stop })
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo server exited (${code}) before it listened`))
    })
  })
}
