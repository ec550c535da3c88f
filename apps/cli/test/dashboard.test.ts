import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@boundkit/server'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lines } from './output-lines'
import { start } from './run-cli'

/**
 * `--dashboard` and `--report` end to end: the built binary runs `boundkit llm` against the demo
 * server (whose 10 requests a second make an unpaced client meet a 429 storm), and Debian's
 * Chromium, driven by playwright-core, reads the live page and the report.
 */
/** What the functions run in the page use of its globals (this file is not compiled with the DOM's types). */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null
  querySelector(selector: string): { getAttribute(name: string): string | null } | null
}

const CHROMIUM = process.env.BOUNDKIT_CHROMIUM ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url)
const COUNT = 120
let dir: string
let server: RunningServer
let browser: Browser

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-dashboard-'))
  await mkdir(ARTIFACTS, { recursive: true })
  server = await startServer({
    seed: 5,
    chatRpm: 600,
    chatTpm: Number.POSITIVE_INFINITY,
    chatWindowMs: 1000,
    judge: { latencyMs: 30, latencySpreadMs: 10, faultRate: 0 },
  })
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

async function requests(name: string, count: number): Promise<string> {
  const path = join(dir, name)
  const line = (i: number) =>
    JSON.stringify({
      custom_id: `r-${i}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'demo',
        messages: [
          {
            role: 'user',
            content: JSON.stringify({ id: `c${i}`, question: 'q', contexts: ['c'], answer: 'a' }),
          },
        ],
        max_tokens: 20,
      },
    })
  await writeFile(path, `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`)
  return path
}

/** Waits for a started command's dashboard address on its stderr; `stderr()` reads what it printed so far. */
async function withDashboard(run: ReturnType<typeof start>) {
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    run.child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const found = /Dashboard: (http:\/\/\S+)/.exec(stderr)
      if (found) resolve(found[1] as string)
    })
    void run.done.then((result) => reject(new Error(`the run ended before its dashboard: ${result.stderr}`)))
  })
  return { ...run, url, stderr: () => stderr }
}

/** Starts `boundkit llm` with the dashboard and waits for its address on stderr. */
async function runWithDashboard(out: string, report: string, extra: string[] = []) {
  const input = await requests(`in-${Math.random().toString(36).slice(2)}.jsonl`, COUNT)
  return withDashboard(
    start(
      ...['llm', input, '--out', out, '--base-url', `${server.url}/v1`, '--concurrency', '16'],
      ...['--max-attempts', '50', '--dashboard', '--report', report, ...extra],
    ),
  )
}

/** A page that records its console errors and failed loads. */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(url)
  return { page, errors }
}

const count = (page: Page, id: string) =>
  page.$eval(`#${id}`, (el) => Number(el.textContent?.replace(/,/g, '')))

describe('boundkit llm --dashboard in Chromium', () => {
  it('shows the counters rise, the 429 storm on the charts, no console error; then the report file', async () => {
    const out = join(dir, 'live.jsonl')
    const report = join(dir, 'report.html')
    const run = await runWithDashboard(out, report)
    const { page, errors } = await openPage(run.url)
    // The counters rise as the run goes: two readings while it runs, the second higher.
    await page.waitForFunction(
      (total) => {
        const done = Number(document.getElementById('done')?.textContent?.replace(/,/g, ''))
        return done > 0 && done < total
      },
      COUNT,
      { timeout: 60_000 },
    )
    const first = await count(page, 'done')
    await page.waitForFunction(
      (seen) => Number(document.getElementById('done')?.textContent?.replace(/,/g, '')) > seen,
      first,
      { timeout: 60_000 },
    )
    // The storm: 429s counted, and red marks drawn on the throughput chart.
    await page.waitForFunction(
      () => Number(document.querySelector('#chart-rate .uplot')?.getAttribute('data-marks-429')) > 0,
      undefined,
      {
        timeout: 60_000,
      },
    )
    expect(await count(page, 'rateLimited')).toBeGreaterThan(0)
    // The end: every record done, the page says so, and stays up until Ctrl-C.
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'finished',
      undefined,
      {
        timeout: 120_000,
      },
    )
    expect(await count(page, 'done')).toBe(COUNT)
    await page.screenshot({ path: new URL('dashboard-live.png', ARTIFACTS).pathname, fullPage: true })
    expect(errors).toEqual([])
    await page.close()

    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(0)
    expect(run.stderr()).toContain(`Report: ${report}`)
    expect((await lines(out)).length).toBe(COUNT)

    // The report: one file, charts and data inlined, read offline.
    const html = await readFile(report, 'utf8')
    expect(html).not.toContain('/assets/')
    const opened = await openPage(`file://${report}`)
    expect(await count(opened.page, 'done')).toBe(COUNT)
    expect(await opened.page.textContent('#status')).toBe('finished')
    expect(Number(await opened.page.getAttribute('#chart-rate .uplot', 'data-marks-429'))).toBeGreaterThan(0)
    await opened.page.screenshot({
      path: new URL('dashboard-report.png', ARTIFACTS).pathname,
      fullPage: true,
    })
    expect(opened.errors).toEqual([])
    await opened.page.close()
  }, 240_000)
})

describe('boundkit llm --report: the money and the why', () => {
  it('shows tokens per minute against --tpm, cost against --max-cost, retries by reason, errors by code with their retries, the command line redacted, and rates at 0 once finished', async () => {
    const input = await requests('money.jsonl', 60)
    const out = join(dir, 'money.jsonl.out')
    const report = join(dir, 'money.html')
    const run = start(
      ...['llm', input, '--out', out, '--base-url', `${server.url}/v1`, '--concurrency', '16'],
      ...['--max-attempts', '50', '--tpm', '1000000', '--max-cost', '5', '--price', 'in=1,out=2'],
      ...['--header', 'Authorization: Bearer SECRET-HEADER-VALUE', '--report', report],
    )
    const result = await run.done
    expect(result.code).toBe(0)
    const opened = await openPage(`file://${report}`)
    const textOf = (id: string) => opened.page.textContent(`#${id}`)
    expect(await textOf('status')).toBe('finished')
    expect(await textOf('rateNow')).toBe('0.0/s')
    expect(await textOf('tokensPerMinute')).toMatch(/^[\d,]+ of 1,000,000$/)
    expect(await textOf('cost')).toMatch(/^\$0\.\d{4} of \$5\.0000$/)
    // The demo server allows 10 requests a second: the storm's 429s were retried, by reason and by code.
    expect(await textOf('retry-reasons')).toMatch(/429 [\d,]+/)
    const errors = await opened.page.$$eval('#errors tbody tr', (rows) =>
      rows.map((row) =>
        Array.from((row as unknown as { cells: { textContent: string }[] }).cells, (c) => c.textContent),
      ),
    )
    const storm = errors.find((row) => row[0] === 'HTTP 429')
    expect(storm?.[1]).toBe('0')
    expect(Number(storm?.[2]?.replace(/,/g, ''))).toBeGreaterThan(0)
    const command = await textOf('command')
    expect(command).toContain('--max-cost 5')
    expect(command).toContain('Authorization: <redacted>')
    expect(command).not.toContain('SECRET-HEADER-VALUE')
    expect(await textOf('detail')).toContain('--tpm 1000000, --max-cost $5')
    expect(await opened.page.isVisible('#chart-tokens')).toBe(true)
    await opened.page.screenshot({ path: new URL('dashboard-money.png', ARTIFACTS).pathname, fullPage: true })
    expect(opened.errors).toEqual([])
    await opened.page.close()
  }, 240_000)
})

/** Reads `/events` until `events` named events came, with `lastEventId` sent when given. */
function readEvents(
  url: string,
  events: number,
  lastEventId?: string,
): Promise<{ event: string; id: string; data: unknown }[]> {
  return new Promise((resolve, reject) => {
    const got: { event: string; id: string; data: unknown }[] = []
    const req = request(
      new URL('events', url),
      { headers: lastEventId ? { 'last-event-id': lastEventId } : {} },
      (res) => {
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const field = (name: string) =>
              block
                .split('\n')
                .find((l) => l.startsWith(`${name}:`))
                ?.slice(name.length + 1)
            const event = field('event')
            if (event !== undefined)
              got.push({ event, id: field('id') ?? '', data: JSON.parse(field('data') ?? 'null') })
            if (got.length >= events) {
              req.destroy()
              resolve(got)
              return
            }
            end = buffer.indexOf('\n\n')
          }
        })
      },
    )
    req.on('error', (error) => (got.length >= events ? undefined : reject(error)))
    req.end()
  })
}

describe('the dashboard /events stream', () => {
  it('sends the history then a sample a second; a page that reconnects with Last-Event-ID gets only what it missed; 50 pages at once', async () => {
    const out = join(dir, 'sse.jsonl')
    const run = await runWithDashboard(out, join(dir, 'sse-report.html'))
    const first = await readEvents(run.url, 3)
    expect(first.map((e) => e.event)).toEqual(['history', 'sample', 'sample'])
    const lastId = first[2]!.id
    // A page away for a while comes back with the id of the last event it saw.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const [history] = await readEvents(run.url, 1, lastId)
    const missed = (history!.data as { samples: { id: number }[]; resumed: boolean }).samples.map((s) => s.id)
    expect((history!.data as { resumed: boolean }).resumed).toBe(true)
    expect(missed.length).toBeGreaterThan(0)
    expect(missed[0]).toBe(Number(lastId) + 1)
    // 50 pages at once: each gets its history and its samples, and the run still completes.
    const many = await Promise.all(Array.from({ length: 50 }, () => readEvents(run.url, 2)))
    for (const events of many) expect(events.map((e) => e.event)).toEqual(['history', 'sample'])
    // Ctrl-C stops the run (or, past its end, closes the page); the page then stays until another.
    run.child.kill('SIGINT')
    while (!run.stderr().includes('until Ctrl-C') && run.child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    run.child.kill('SIGINT')
    const result = await run.done
    expect([0, 130]).toContain(result.code)
  }, 240_000)
})

describe('the demo server at /dashboard/ in Chromium', () => {
  it('shows what the server answered, the 429s it gave, and its pool', async () => {
    // The run above met this server's 429s; a pool task and a thumbnail make its pool and pipeline work.
    expect((await fetch(`${server.url}/cpu/fib/22?mode=pool`)).status).toBe(200)
    const thumbs = await fetch(`${server.url}/thumbnails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ urls: [`${server.url}/images/x.png?width=64&height=64`], width: 16 }),
    })
    expect(thumbs.status).toBe(200)
    const { page, errors } = await openPage(`${server.url}/dashboard`)
    await page.waitForFunction(
      () =>
        Number(document.getElementById('stageFetched')?.textContent?.replace(/,/g, '')) >= 1 &&
        Number(document.getElementById('rateLimited')?.textContent?.replace(/,/g, '')) > 0,
      undefined,
      { timeout: 60_000 },
    )
    expect(await page.textContent('#label')).toBe('server')
    expect(await count(page, 'done')).toBeGreaterThan(COUNT)
    expect(await page.isVisible('#pool-cards')).toBe(true)
    expect(await page.isVisible('#chart-pool .uplot')).toBe(true)
    expect(await page.isVisible('#chart-stages .uplot')).toBe(true)
    // A server has no end: no "left" and no ETA.
    expect(await page.isVisible('#eta-card')).toBe(false)
    await page.screenshot({ path: new URL('dashboard-server.png', ARTIFACTS).pathname, fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  }, 120_000)
})

describe('boundkit demo --dashboard in Chromium', () => {
  it('shows each phase with its pool and pipeline panels, stays until Ctrl-C, and writes the report', async () => {
    const out = join(dir, 'demo-out')
    const report = join(dir, 'demo-report.html')
    const run = await withDashboard(
      start('demo', '--quick', '--scenario', 'mixed', '--out', out, '--dashboard', '--report', report),
    )
    const { page, errors } = await openPage(run.url)
    // The pipeline phase: its stages chart and the pool's, drawn once the phase has started.
    await page.waitForFunction(
      () =>
        document.getElementById('phase')?.textContent === 'mixed: pipeline' &&
        document.querySelector('#chart-stages .uplot') !== null &&
        document.querySelector('#chart-pool .uplot') !== null,
      undefined,
      { timeout: 120_000 },
    )
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'finished',
      undefined,
      {
        timeout: 120_000,
      },
    )
    // The two-phase baseline (fetches and thumbnails counted apart) and the pipeline: 40 x 2 + 40.
    expect(await count(page, 'done')).toBe(120)
    expect(await page.isVisible('#pipeline-cards')).toBe(true)
    expect(await count(page, 'stageFetched')).toBe(40)
    // Each thumbnail's time through the pipeline (its outcome's timings) makes the latency figures.
    expect(await page.textContent('#latency')).toMatch(/^p50 \d/)
    await page.screenshot({ path: new URL('dashboard-demo.png', ARTIFACTS).pathname, fullPage: true })
    expect(errors).toEqual([])
    await page.close()
    while (!run.stderr().includes('until Ctrl-C')) await new Promise((resolve) => setTimeout(resolve, 50))
    run.child.kill('SIGINT')
    const result = await run.done
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Mixed: thumbnails')
    const opened = await openPage(`file://${report}`)
    expect(await count(opened.page, 'done')).toBe(120)
    expect(await opened.page.isVisible('#chart-stages .uplot')).toBe(true)
    expect(opened.errors).toEqual([])
    await opened.page.close()
  }, 240_000)
})

describe('a report of a distributed run in Chromium', () => {
  it("lists each worker's state now and its share of the outcomes, largest first", async () => {
    const { RunMonitor, reportHtml } = await import('@boundkit/server/dashboard')
    const monitor = new RunMonitor({ label: 'batch', detail: 'in.jsonl → out.jsonl', total: 40 }, () => ({
      done: 39,
      failed: 1,
      requests: 41,
      inFlight: 0,
      queued: 0,
      rateLimited: 2,
      workers: [
        { name: 'host-b:202', done: 10, failed: 0 },
        {
          name: 'alpha',
          done: 29,
          failed: 1,
          live: {
            inFlight: 3,
            concurrency: 4,
            rateLimited: 2,
            limiter: { concurrency: 4, running: 3, queued: 1, coolingDown: true },
          },
        },
      ],
    }))
    monitor.finish(false)
    const path = join(dir, 'workers-report.html')
    await writeFile(path, await reportHtml(monitor))
    const { page, errors } = await openPage(`file://${path}`)
    expect(await page.isVisible('#workers-section')).toBe(true)
    const rows = await page.$$eval('#workers tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from(
          (tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children,
          (td) => td.textContent,
        ),
      ),
    )
    expect(rows).toEqual([
      ['alpha', '3', '29', '1', '2', '4', '3 running, 1 waiting, cooling down', '75%'],
      ['host-b:202', '–', '10', '0', '–', '–', 'not reporting', '25%'],
    ])
    expect(await page.isVisible('#pool-cards')).toBe(false)
    expect(errors).toEqual([])
    await page.close()
  })

  it('lists each endpoint of an --endpoints run: its requests, tokens, 429s, cost, refusals and state', async () => {
    const { RunMonitor, reportHtml } = await import('@boundkit/server/dashboard')
    const monitor = new RunMonitor({ label: 'llm', detail: 'in.jsonl → out.jsonl', total: 30 }, () => ({
      done: 30,
      failed: 0,
      requests: 34,
      endpoints: [
        {
          name: 'east',
          requests: 21,
          tokens: 1200,
          rateLimited: 1,
          costUsd: 0.0012,
          drains: 0,
          drained: false,
          refused: 0,
          takenOut: [],
        },
        {
          name: 'west',
          ...{ requests: 13, tokens: 600, rateLimited: 0, costUsd: null },
          ...{ drains: 1, drained: true, refused: 0, takenOut: [] },
        },
        {
          name: 'north',
          ...{ requests: 4, tokens: 120, rateLimited: 0, costUsd: null, drains: 0, drained: false },
          ...{ refused: 2, takenOut: [{ status: 404, model: 'gpt-4o' }] },
        },
        {
          name: 'south',
          ...{ requests: 1, tokens: 0, rateLimited: 0, costUsd: null, drains: 0, drained: false },
          ...{ refused: 1, takenOut: [{ status: 401, model: null }] },
        },
      ],
    }))
    monitor.finish(false)
    const path = join(dir, 'endpoints-report.html')
    await writeFile(path, await reportHtml(monitor))
    const { page, errors } = await openPage(`file://${path}`)
    expect(await page.isVisible('#endpoints-section')).toBe(true)
    expect(await page.isVisible('#workers-section')).toBe(false)
    const rows = await page.$$eval('#endpoints tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from(
          (tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children,
          (td) => td.textContent,
        ),
      ),
    )
    expect(rows).toEqual([
      ['east', '21', '1,200', '1', '$0.0012', '0', '0', 'taking requests'],
      ['west', '13', '600', '0', 'no price', '1', '0', 'drained'],
      ['north', '4', '120', '0', 'no price', '0', '2', 'taking requests, not for gpt-4o (404)'],
      ['south', '1', '0', '0', 'no price', '0', '1', 'taken out (401)'],
    ])
    expect(errors).toEqual([])
    await page.close()
  })
})
