/**
 * The labelled suite: tasks whose kind is known from what they do, used by the tests (each task its
 * own test) and by bench/verdicts.ts (the table in the README). Sizes are picked so each call takes
 * a few to a few tens of milliseconds on a 2-core machine.
 */
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import zlib from 'node:zlib'
import type { Strategy, TaskKind } from '../src/index'

export interface LabelledTask {
  name: string
  kind: TaskKind
  /** The strategy that must come with the verdict, where it follows from the kind alone. */
  strategy?: Strategy
  /**
   * False for a task whose label is arguable (its true nature depends on the machine): it counts
   * towards the suite's score but is not required to match on its own.
   */
  clearCut: boolean
  fn: () => unknown
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2)
}

/** Deterministic pseudo-random words: compressible like text, not trivially. */
function words(count: number): string {
  let seed = 12345
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    out.push((seed % 100_000).toString(36))
  }
  return out.join(' ')
}

export interface Fixture {
  tasks: LabelledTask[]
  close(): Promise<void>
}

/** The inputs of the tasks, built once. */
export interface Inputs {
  bigJson: string
  smallJson: string
  bigObject: unknown[]
  bigText: string
  matrix: Float64Array
  numbers: number[]
  hashInput: Buffer
  gzipInput: Buffer
}

export function createInputs(): Inputs {
  const bigJson = JSON.stringify(
    Array.from({ length: 30_000 }, (_, i) => ({
      id: i,
      name: `item-${i}`,
      tags: ['a', 'b', 'c'],
      score: i / 7,
    })),
  )
  return {
    bigJson,
    smallJson: JSON.stringify({ id: 1, name: 'small', tags: ['a'] }),
    bigObject: JSON.parse(bigJson) as unknown[],
    bigText: words(200_000).repeat(4),
    matrix: Float64Array.from({ length: 160 * 160 }, (_, i) => (i % 97) / 97),
    numbers: Array.from({ length: 100_000 }, (_, i) => ((i * 2654435761) % 1_000_003) / 7),
    hashInput: Buffer.alloc(16 << 20, 7),
    gzipInput: Buffer.from(words(150_000)),
  }
}

/**
 * The tasks that compute on the main thread and never yield: they need no server, so they are
 * also classified before the event loop starts (test/top-level.ts).
 */
export function syncTasks(input: Inputs): LabelledTask[] {
  const { bigJson, smallJson, bigObject, bigText, matrix, numbers, hashInput, gzipInput } = input
  return [
    // CPU on the main thread.
    {
      name: 'JSON.parse of a 2 MB string',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => JSON.parse(bigJson),
    },
    {
      name: 'JSON.stringify of 30k objects',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => JSON.stringify(bigObject),
    },
    {
      name: 'regex over 5 MB of text',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => bigText.match(/\b[a-f][a-z0-9]*\d\b/g)?.length,
    },
    { name: 'fibonacci(27)', kind: 'cpu', strategy: 'pool', clearCut: true, fn: () => fib(27) },
    {
      name: 'sort 100k numbers',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => [...numbers].sort((a, b) => a - b),
    },
    {
      name: 'crypto.pbkdf2Sync (20k iterations)',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => crypto.pbkdf2Sync('secret', 'salt', 20_000, 32, 'sha256'),
    },
    {
      name: 'zlib.gzipSync of 1 MB of text',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => zlib.gzipSync(gzipInput),
    },
    {
      name: 'sha256 of 16 MB (sync)',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => crypto.createHash('sha256').update(hashInput).digest('hex'),
    },
    {
      name: 'matrix multiply, 160 x 160',
      kind: 'cpu',
      strategy: 'pool',
      clearCut: true,
      fn: () => {
        const n = 160
        const out = new Float64Array(n * n)
        for (let i = 0; i < n; i++) {
          for (let k = 0; k < n; k++) {
            const a = matrix[i * n + k]!
            for (let j = 0; j < n; j++) out[i * n + j]! += a * matrix[k * n + j]!
          }
        }
        return out[0]
      },
    },
    // Tiny: any model's overhead would dominate.
    {
      name: 'tiny: sum of 100 numbers',
      kind: 'cpu',
      strategy: 'inline',
      clearCut: true,
      fn: () => {
        let sum = 0
        for (let i = 0; i < 100; i++) sum += i
        return sum
      },
    },
    {
      name: 'tiny: JSON.parse of a small object',
      kind: 'cpu',
      strategy: 'inline',
      clearCut: true,
      fn: () => JSON.parse(smallJson),
    },
  ]
}

/** Starts the local servers and builds the inputs, then returns the labelled tasks. */
export async function createFixture(): Promise<Fixture> {
  const input = createInputs()
  const { bigJson, smallJson, numbers, gzipInput } = input

  // An HTTP API: `/small` returns a short body after 40 ms, `/big` the large JSON after 50 ms.
  const server = http.createServer((req, res) => {
    const big = req.url === '/big'
    setTimeout(
      () => {
        res.setHeader('content-type', 'application/json')
        res.end(big ? bigJson : smallJson)
      },
      big ? 50 : 40,
    )
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const agent = new http.Agent({ keepAlive: true })
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            body += chunk
          })
          res.on('end', () => resolve(body))
        })
        .on('error', reject)
    })

  // A TCP service that answers 20 ms after each message.
  const tcp = net.createServer((socket) => {
    socket.on('data', (data) => setTimeout(() => socket.write(data), 20))
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const tcpPort = (tcp.address() as net.AddressInfo).port

  const dir = mkdtempSync(join(tmpdir(), 'boundkit-classify-'))
  const streamFile = join(dir, 'stream.bin')
  writeFileSync(streamFile, Buffer.alloc(16 << 20, 'abcdefgh qrst '))
  const readBuffer = Buffer.allocUnsafe(4 << 20)

  // A helper thread that answers each message after blocking 20 ms (a stand-in for a native call).
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads')
     const cell = new Int32Array(new SharedArrayBuffer(4))
     parentPort.on('message', (id) => { Atomics.wait(cell, 0, 0, 20); parentPort.postMessage(id) })`,
    { eval: true },
  )
  let nextId = 0

  const tasks: LabelledTask[] = [
    // I/O: the task waits on something outside the main thread's CPU.
    { name: 'timer (25 ms)', kind: 'io', strategy: 'limiter', clearCut: true, fn: () => sleep(25) },
    {
      name: 'three chained timers',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: async () => {
        await sleep(10)
        await sleep(10)
        await sleep(10)
      },
    },
    {
      name: 'HTTP GET, local server with 40 ms latency (node:http)',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: () => get('/small'),
    },
    {
      name: 'fetch, local server with 40 ms latency',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: async () => (await fetch(`http://127.0.0.1:${port}/small`)).text(),
    },
    {
      name: 'child process that sleeps 50 ms',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: () =>
        new Promise((resolve, reject) => {
          spawn('sleep', ['0.05'], { stdio: 'ignore' }).on('exit', resolve).on('error', reject)
        }),
    },
    {
      name: 'TCP request, reply after 20 ms',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: async () => {
        const socket = net.connect(tcpPort, '127.0.0.1')
        await once(socket, 'connect')
        socket.write('ping')
        await once(socket, 'data')
        socket.destroy()
      },
    },
    {
      name: 'wait for an event emitted 15 ms later',
      kind: 'io',
      strategy: 'limiter',
      clearCut: true,
      fn: async () => {
        const events = new EventEmitter()
        setTimeout(() => events.emit('message'), 15)
        await once(events, 'message')
      },
    },
    {
      // One worker answers one message at a time: the probe sees little or no gain (the advice is
      // then inline, but noise on a loaded machine can show a small gain, so no strategy is required).
      name: 'worker thread round trip, worker sleeps 20 ms',
      kind: 'io',
      clearCut: true,
      fn: async () => {
        const id = nextId++
        worker.postMessage(id)
        while ((await once(worker, 'message'))[0] !== id) {}
      },
    },
    // CPU on the main thread, and tiny tasks.
    ...syncTasks(input),
    // CPU on libuv's thread pool: the main thread stays free.
    {
      name: 'async crypto.pbkdf2 (20k iterations)',
      kind: 'cpu-offloaded',
      strategy: 'limiter',
      clearCut: true,
      fn: () =>
        new Promise((resolve, reject) =>
          crypto.pbkdf2('secret', 'salt', 20_000, 32, 'sha256', (e, key) => (e ? reject(e) : resolve(key))),
        ),
    },
    {
      name: 'async zlib.gzip of 1 MB of text (level 9)',
      kind: 'cpu-offloaded',
      strategy: 'limiter',
      clearCut: true,
      fn: () =>
        new Promise((resolve, reject) =>
          zlib.gzip(gzipInput, { level: 9, chunkSize: 1 << 20 }, (e, out) => (e ? reject(e) : resolve(out))),
        ),
    },
    {
      name: 'async crypto.scrypt',
      kind: 'cpu-offloaded',
      strategy: 'limiter',
      clearCut: true,
      fn: () =>
        new Promise((resolve, reject) =>
          crypto.scrypt('secret', 'salt', 32, { N: 1 << 14, r: 8, p: 1 }, (e, key) =>
            e ? reject(e) : resolve(key),
          ),
        ),
    },
    {
      name: 'async brotli compression of 1 MB of text',
      kind: 'cpu-offloaded',
      strategy: 'limiter',
      clearCut: true,
      fn: () =>
        new Promise((resolve, reject) =>
          zlib.brotliCompress(gzipInput, { chunkSize: 1 << 20 }, (e, out) => (e ? reject(e) : resolve(out))),
        ),
    },
    // Mixed: waits, then computes on the main thread.
    {
      // Receiving 2 MB from the server in this process is CPU work of its own: with the body parsed
      // twice, the main thread read 45-72% busy on a quiet machine, astride `cpuBusy` (70%); parsed
      // once, 36-60% under 8 busy loops.
      name: 'fetch (50 ms latency), then parse the 2 MB body',
      kind: 'mixed',
      strategy: 'pipeline',
      clearCut: true,
      fn: async () => {
        const body = await (await fetch(`http://127.0.0.1:${port}/big`)).text()
        JSON.parse(body)
      },
    },
    {
      name: 'timer (30 ms), then fibonacci(32)',
      kind: 'mixed',
      strategy: 'pipeline',
      clearCut: true,
      fn: async () => {
        await sleep(30)
        fib(32)
      },
    },
    {
      name: 'HTTP GET (40 ms), then sort 100k numbers',
      kind: 'mixed',
      strategy: 'pipeline',
      clearCut: true,
      fn: async () => {
        await get('/small')
        const copy = [...numbers]
        copy.sort((a, b) => a - b)
      },
    },
    {
      // A file in the page cache is memory, not I/O: reading it is libuv's thread pool copying
      // bytes (kernel CPU) while the main thread waits; on a cold cache or a slow disk it is I/O.
      // The buffer is reused: a fresh 4 MB buffer per read makes V8 collect garbage on the main
      // thread, which in a process with a large heap turns the verdict into `cpu`.
      name: 'read a 16 MB cached file into a reused 4 MB buffer',
      kind: 'cpu-offloaded',
      clearCut: false,
      fn: async () => {
        const file = await open(streamFile)
        try {
          let position = 0
          for (;;) {
            const { bytesRead } = await file.read(readBuffer, 0, readBuffer.length, position)
            if (bytesRead === 0) return position
            position += bytesRead
          }
        } finally {
          await file.close()
        }
      },
    },
  ]

  return {
    tasks,
    async close() {
      agent.destroy()
      await worker.terminate()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
