import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createPool, type Pool } from '@boundkit/pool'
import { Jimp } from 'jimp'
import { benchmark } from '../../../bench/harness'
import { createPipeline } from '../src/index'

const worker = new URL('./fixtures-worker.mjs', import.meta.url)
const threads = 2

/** A local server: `/img/<n>` answers a 640x480 JPEG after `latency` ms; `/blob/<n>` 1 MB at once. */
async function startServer(latency: number): Promise<{ url: string; server: Server }> {
  const image = new Jimp({ width: 640, height: 480, color: 0x3366ccff })
  for (let i = 0; i < 2000; i++) image.setPixelColor(0xff8800ff, (i * 7) % 640, (i * 13) % 480)
  const jpeg = await image.getBuffer('image/jpeg')
  const blob = Buffer.alloc(1 << 20, 7)
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/blob/'))
      return void res.writeHead(200, { 'content-length': blob.length }).end(blob)
    setTimeout(() => res.writeHead(200, { 'content-length': jpeg.length }).end(jpeg), latency)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

async function get(url: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const response = await fetch(url, { signal })
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  return response.arrayBuffer()
}

async function drain(iterable: AsyncIterable<{ status: string }>): Promise<number> {
  let ok = 0
  for await (const outcome of iterable) if (outcome.status === 'fulfilled') ok++
  return ok
}

let balanced: { url: string; server: Server } | undefined
let pool: Pool | undefined
let samples: ArrayBuffer[] = []
const fetchConcurrency = 4
// Balanced stages: fetching all items at concurrency 4 takes about as long as thumbnailing them on 2 threads.
const latency = 130

async function fetchAll(urls: string[]): Promise<ArrayBuffer[]> {
  const out: ArrayBuffer[] = new Array(urls.length)
  let next = 0
  await Promise.all(
    Array.from({ length: fetchConcurrency }, async () => {
      while (next < urls.length) {
        const i = next++
        out[i] = await get(urls[i]!)
      }
    }),
  )
  return out
}

const balancedBench = benchmark({
  title: 'Balanced stages: download then thumbnail 640x480 JPEGs (fetch time ~ process time)',
  description:
    `Fetch: real HTTP from a local server with ${latency} ms latency, concurrency ${fetchConcurrency}. ` +
    `Process: jimp thumbnails in a ${threads}-thread @boundkit/pool pool. Targets: pipeline <= 1.15x the slower ` +
    'stage alone, and <= 0.75x the two-phase way (fetch everything, then process everything).',
  baseline: 'two-phase (fetch all, then process all)',
  runs: 5,
  quickRuns: 1,
  setup: async () => {
    balanced = await startServer(latency)
    pool = createPool({ worker, threads })
    samples = await fetchAll(Array.from({ length: 4 }, (_, i) => `${balanced!.url}/img/${i}`))
    // Load jimp in every worker before the first measured case.
    await pool.broadcast('thumbnail', samples[0]!.slice(0))
  },
  teardown: async () => {
    await pool?.destroy()
    balanced?.server.closeAllConnections()
    balanced?.server.close()
  },
  cases: {
    'fetch stage alone': async (ctx) => {
      const n = ctx.scale(40, 8)
      await fetchAll(Array.from({ length: n }, (_, i) => `${balanced!.url}/img/${i}`))
      return { items: n }
    },
    'process stage alone': async (ctx) => {
      const n = ctx.scale(40, 8)
      const data = await fetchAll(
        Array.from({ length: Math.min(n, 4) }, (_, i) => `${balanced!.url}/img/${i}`),
      )
      const start = performance.now()
      await Promise.all(
        Array.from({ length: n }, (_, i) => pool!.run('thumbnail', data[i % data.length]!.slice(0))),
      )
      return { items: n, metrics: { 'process ms': performance.now() - start } }
    },
    'two-phase (fetch all, then process all)': async (ctx) => {
      const n = ctx.scale(40, 8)
      const data = await fetchAll(Array.from({ length: n }, (_, i) => `${balanced!.url}/img/${i}`))
      await Promise.all(data.map((bytes) => pool!.run('thumbnail', bytes, { transfer: [bytes] })))
      return { items: n }
    },
    '@boundkit/pipeline': async (ctx) => {
      const n = ctx.scale(40, 8)
      const pipeline = createPipeline<string, ArrayBuffer, number>({
        fetch: { run: (url, { signal }) => get(url, signal), concurrency: fetchConcurrency },
        process: { pool: pool!, task: 'thumbnail' },
      })
      const ok = await drain(pipeline.run(Array.from({ length: n }, (_, i) => `${balanced!.url}/img/${i}`)))
      if (ok !== n) throw new Error(`only ${ok} of ${n} items succeeded`)
      const stats = pipeline.stats()
      return { items: n, metrics: { 'overlap %': (100 * stats.overlapMs) / stats.elapsedMs } }
    },
  },
})

let blobs: { url: string; server: Server } | undefined
const run = promisify(execFile)

/** Runs one size in a fresh process, so each peak RSS is that run's alone. */
async function memoryRun(n: number) {
  const script = fileURLToPath(new URL('./memory-run.ts', import.meta.url))
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, blobs!.url, String(n)], {
    maxBuffer: 1 << 20,
  })
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    ok: number
    maxBuffered: number
    peakRssMb: number
  }
  if (result.ok !== n) throw new Error(`only ${result.ok} of ${n} items succeeded`)
  return { items: n, metrics: { 'child peak RSS MB': result.peakRssMb, 'max buffered': result.maxBuffered } }
}

const memoryBench = benchmark({
  title: 'Memory: 1 MB payloads over HTTP, buffer 8, fetch concurrency 8, 2 threads',
  description:
    'Each run is a fresh process; its peak RSS (getrusage) must be bounded by the buffer and the concurrency, ' +
    'not by the number of items: the large run within 1.2x of the small one (compare "child peak RSS MB").',
  baseline: 'small run',
  runs: 3,
  quickRuns: 1,
  warmup: 0,
  setup: async () => {
    blobs = await startServer(0)
  },
  teardown: () => {
    blobs?.server.closeAllConnections()
    blobs?.server.close()
  },
  cases: {
    'small run': (ctx) => memoryRun(ctx.scale(1_000, 100)),
    'large run (10x the items)': (ctx) => memoryRun(ctx.scale(10_000, 1_000)),
  },
})

export default [balancedBench, memoryBench]
