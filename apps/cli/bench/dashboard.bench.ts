import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchmark } from '../../../bench/harness.ts'
import { MAIN } from './llm-plan.ts'

// What `--dashboard` costs a batch: the same run without it, with it and no page open, and with 50
// pages reading its Server-Sent Events. The server answers at once, so the batch is bound by the
// CLI's own CPU: the case where the dashboard's work would show most.

const PAGES = 50
let dir: string
let input: string
let api: Server
let url: string
let runs = 0

/** Opens `count` readers of `/events` (as pages would) and resolves once each has its history. */
function openPages(base: string, count: number): Promise<() => void> {
  const requests: ReturnType<typeof request>[] = []
  const ready = Array.from(
    { length: count },
    () =>
      new Promise<void>((resolve, reject) => {
        const req = request(new URL('events', base), (res) => {
          res.setEncoding('utf8')
          let seen = ''
          res.on('data', (chunk: string) => {
            seen += chunk
            if (seen.includes('event:history')) resolve()
          })
          res.on('error', () => {})
        })
        req.on('error', (error) => (req.destroyed ? undefined : reject(error)))
        req.end()
        requests.push(req)
      }),
  )
  return Promise.all(ready).then(() => () => {
    for (const req of requests) req.destroy()
  })
}

/** A process's CPU time so far (user + system, ms), from /proc (Linux; NaN elsewhere). */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

/**
 * Runs `boundkit batch` to its summary (`--json` on stdout) and returns the summary's run time; with
 * `pages`, opens that many readers of the dashboard as soon as its address is printed.
 */
async function run(dashboard: boolean, pages: number): Promise<{ ms: number; cpuMs: number }> {
  const out = join(dir, `out-${runs++}.jsonl`)
  const args = ['batch', input, '--url', url, '--out', out, '--concurrency', '32', '--json']
  if (dashboard) args.push('--dashboard')
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let closePages: (() => void) | undefined
  const summary = new Promise<{ ms: number; cpuMs: number }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (stdout.trimEnd().endsWith('}')) {
        try {
          const { ms } = JSON.parse(stdout) as { ms: number }
          resolve({ ms, cpuMs: cpuMsOf(child.pid as number) })
        } catch {}
      }
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      const found = /Dashboard: (http:\/\/\S+)/.exec(stderr)
      if (found && pages > 0 && closePages === undefined) {
        closePages = () => {}
        openPages(found[1] as string, pages).then((close) => {
          closePages = close
        }, reject)
      }
    })
    child.once('exit', (code) =>
      reject(new Error(`batch exited (${code}) before its summary: ${stderr.slice(-300)}`)),
    )
  })
  try {
    return await summary
  } finally {
    closePages?.()
    child.kill('SIGINT')
  }
}

const figures = (r: { ms: number; cpuMs: number }) => ({ metrics: { 'run ms': r.ms, 'CLI CPU ms': r.cpuMs } })

export default benchmark({
  title: '`boundkit batch --dashboard`: what the live page costs the run',
  description:
    `6,000 records (400 under --quick), --concurrency 32, against a local server that answers at once, so ` +
    `the run is bound by the CLI's own CPU. "run ms": the run's time in its own summary (from its first ` +
    `request to its last line). With ${PAGES} pages, ${PAGES} readers of /events connect as soon as the address ` +
    'is printed, each getting the history and a sample a second. Target (issue 17): at most 2% slower than ' +
    'the run without --dashboard.',
  baseline: 'no --dashboard',
  runs: 21,
  setup: async (ctx) => {
    dir = await mkdtemp(join(tmpdir(), 'boundkit-dashboard-bench-'))
    const n = ctx.scale(6000, 400)
    input = join(dir, 'in.jsonl')
    await writeFile(input, Array.from({ length: n }, (_, i) => `{"id":${i}}\n`).join(''))
    api = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"ok":true}')
      })
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`
  },
  teardown: async () => {
    await new Promise((resolve) => api.close(resolve))
    await rm(dir, { recursive: true, force: true })
  },
  cases: {
    'no --dashboard': async () => figures(await run(false, 0)),
    '--dashboard, no page open': async () => figures(await run(true, 0)),
    [`--dashboard, ${PAGES} pages open`]: async () => figures(await run(true, PAGES)),
  },
})
