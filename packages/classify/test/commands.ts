/**
 * The labelled commands: programs whose kind is known from what they do, in node, python and the
 * shell, waiting, computing, or both in several proportions, with and without an interpreter's
 * start-up. Used by test/labelled-commands.test.ts and bench/verdicts.ts. Sizes are picked so a run
 * takes 150-300 ms on a 2-core machine, and a mixed one computes about a third of the time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TaskKind } from '../src/index'

export interface LabelledCommand {
  name: string
  kind: TaskKind
  /** False for a command whose label is arguable on some machines (see `LabelledTask.clearCut`). */
  clearCut: boolean
  command: string
  args: string[]
}

export interface CommandFixture {
  commands: LabelledCommand[]
  close(): Promise<void>
}

const node = process.execPath
const fib = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }'

/**
 * Starts a local API (every answer 30 ms late, or `?ms=` late) and writes a file to hash, then
 * returns the commands.
 */
export async function createCommandFixture(): Promise<CommandFixture> {
  const server = http.createServer((req, res) => {
    const ms = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('ms') ?? 30)
    setTimeout(() => res.end('{"ok":true}'), ms)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const dir = mkdtempSync(join(tmpdir(), 'boundkit-classify-commands-'))
  const file = join(dir, 'data.bin')
  writeFileSync(file, Buffer.alloc(64 << 20, 'boundkit '))

  const commands: LabelledCommand[] = [
    // Waiting.
    { name: 'sleep 0.2', kind: 'io', clearCut: true, command: 'sleep', args: ['0.2'] },
    {
      name: 'sh: two sleeps of 0.1 s',
      kind: 'io',
      clearCut: true,
      command: 'sh',
      args: ['-c', 'sleep 0.1; sleep 0.1'],
    },
    // curl's own start-up is about 10 ms of CPU: behind a 30 ms API that is a share near `commandIo`.
    {
      name: 'curl of a 150 ms API',
      kind: 'io',
      clearCut: true,
      command: 'curl',
      args: ['-sf', `${api}?ms=150`],
    },
    {
      // Node's start-up alone is about 20% of this run's wall time: above `commandIo` (15%).
      name: 'node: a 150 ms timer (start-up)',
      kind: 'io',
      clearCut: true,
      command: node,
      args: ['-e', 'setTimeout(() => {}, 150)'],
    },
    {
      name: 'node: 5 GETs of an 80 ms API, one after another (start-up)',
      kind: 'io',
      clearCut: true,
      command: node,
      args: [
        '-e',
        `const http = require('node:http')
         const get = () => new Promise((resolve, reject) =>
           http.get('${api}?ms=80', (res) => res.resume().on('end', resolve)).on('error', reject))
         ;(async () => { for (let i = 0; i < 5; i++) await get() })()`,
      ],
    },
    {
      // Python's start-up alone is about a quarter of this run's wall time.
      name: 'python: sleep 0.2 s (start-up)',
      kind: 'io',
      clearCut: true,
      command: 'python3',
      args: ['-c', 'import time; time.sleep(0.2)'],
    },
    // Computing.
    {
      name: 'node: fibonacci(36)',
      kind: 'cpu',
      clearCut: true,
      command: node,
      args: ['-e', `${fib}; fib(36)`],
    },
    {
      name: 'python: sum of 3M squares',
      kind: 'cpu',
      clearCut: true,
      command: 'python3',
      args: ['-c', 'sum(i * i for i in range(3_000_000))'],
    },
    {
      name: 'sh: a 200k-step loop',
      kind: 'cpu',
      clearCut: true,
      command: 'sh',
      args: ['-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done'],
    },
    { name: 'sha256sum of 64 MB (cached)', kind: 'cpu', clearCut: true, command: 'sha256sum', args: [file] },
    // Both, in several proportions, each in the middle of the mixed band (a CPU share of 26-30%, between
    // `commandIo`, 15%, and `commandCpu`, 50%): a share near a threshold is not clear-cut, and on a busy
    // machine a run's CPU time moves by a fifth or more.
    {
      name: 'node: a 250 ms timer, then fibonacci(35)',
      kind: 'mixed',
      clearCut: true,
      command: node,
      args: ['-e', `${fib}; setTimeout(() => fib(35), 250)`],
    },
    {
      name: 'python: sleep 0.4 s, then a sum of 3M squares',
      kind: 'mixed',
      clearCut: true,
      command: 'python3',
      args: ['-c', 'import time; time.sleep(0.4); sum(i * i for i in range(3_000_000))'],
    },
    {
      name: 'sh: sleep 0.3 s, then a 100k-step loop',
      kind: 'mixed',
      clearCut: true,
      command: 'sh',
      args: ['-c', 'sleep 0.3; i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done'],
    },
    {
      // It burns a core while it waits, so its CPU time says `cpu`; but runs at once share the
      // cores and each still ends after 300 ms: the probe's gain shows it is not CPU-bound.
      name: 'node: 300 ms of busy-waiting on the clock',
      kind: 'mixed',
      clearCut: true,
      command: node,
      args: ['-e', 'const end = Date.now() + 300; while (Date.now() < end);'],
    },
  ]
  return {
    commands,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
