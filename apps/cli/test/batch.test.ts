import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunningServer, startServer } from '@boundkit/server'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { lines, waitForLines } from './output-lines'
import { boundkit, printedResume, start, startLine } from './run-cli'

let dir: string
let server: RunningServer
const RECORDS = 80

/** `batch` on the shared input against the test server, into `out`, keyed by id. */
function batchArgs(out: string, ...extra: string[]): string[] {
  return [
    'batch',
    join(dir, 'in.jsonl'),
    '--url',
    `${server.url}/v1/judge`,
    '--out',
    out,
    '--key',
    'id',
    ...extra,
  ]
}

function conversation(i: number) {
  return {
    id: `c${i}`,
    question: `What is ${i}?`,
    contexts: [`${i} is a number.`],
    answer: `${i} is a number.`,
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boundkit-batch-'))
  // Faults on: 429s from a small bucket, 500s, 503s with Retry-After, and connection resets.
  server = await startServer({
    seed: 3,
    judge: {
      latencyMs: 30,
      latencySpreadMs: 10,
      ratePerSecond: 60,
      burst: 6,
      faultRate: 0.1,
      faultKinds: ['500', '503', 'reset'],
    },
  })
  await writeFile(
    join(dir, 'in.jsonl'),
    `${Array.from({ length: RECORDS }, (_, i) => JSON.stringify(conversation(i))).join('\n')}\n`,
  )
})

afterAll(async () => {
  await server?.close()
  await rm(dir, { recursive: true, force: true })
})

describe('boundkit batch against the demo server with faults on', () => {
  it('writes one ordered line per record, every one ok after retries', async () => {
    const out = join(dir, 'all.jsonl')
    const result = await boundkit(
      ...batchArgs(out, '--concurrency', '8', '--retries', '12', '--rate', '5/100ms', '--timeout', '10s'),
      ...['--header', 'X-Test: yes', '--json'],
    )
    expect(result.stderr).not.toContain('failed:')
    expect(result.code).toBe(0)
    const written = await lines(out)
    expect(written.map((line) => line.key)).toEqual(Array.from({ length: RECORDS }, (_, i) => `c${i}`))
    expect(written.map((line) => line.index)).toEqual(Array.from({ length: RECORDS }, (_, i) => i))
    for (const line of written) {
      expect(line.status).toBe(200)
      expect(line.response).toMatchObject({ id: line.key, verdict: expect.any(String) })
      expect(line.attempts).toBeGreaterThanOrEqual(1)
      expect(typeof line.ms).toBe('number')
    }
    // The faults were real: some records needed more than one attempt.
    expect(written.some((line) => (line.attempts as number) > 1)).toBe(true)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({
      records: RECORDS,
      written: RECORDS,
      ok: RECORDS,
      failed: 0,
      interrupted: false,
    })
  })

  it('survives SIGINT and SIGKILL: resumed runs leave exactly one line per record', async () => {
    // A slower server of its own, so that the run is surely still going when the signal lands.
    const slow = await startServer({
      seed: 5,
      judge: { latencyMs: 150, latencyDistribution: 'fixed', ratePerSecond: 60, burst: 6, faultRate: 0.1 },
    })
    onTestFinished(() => slow.close())
    const out = join(dir, 'resumed.jsonl')
    const args = [
      ...batchArgs(out, '--concurrency', '2', '--retries', '12', '--timeout', '10s'),
      ...['--url', `${slow.url}/v1/judge`],
    ]
    // 1. Ctrl-C: stops new requests, finishes the ones in flight, flushes, says how to resume, exits 130.
    const first = start(...args)
    await waitForLines(out, 10)
    first.child.kill('SIGINT')
    const interrupted = await first.done
    expect(interrupted.code).toBe(130)
    expect(interrupted.stderr).toContain('Interrupted')
    // Not `boundkit ...`, which is not on PATH here: node and the script, as this run was started.
    expect(interrupted.stderr).toMatch(/To continue, run:\n {2}\S*node \S*main\.js batch .* --resume\n/)
    const afterInt = await lines(out)
    expect(afterInt.length).toBeGreaterThanOrEqual(10)
    expect(afterInt.length).toBeLessThan(RECORDS)

    // 2. kill -9 in the middle of a resumed run (the printed command, run by a shell as it is):
    // whatever was written is whole lines.
    const second = startLine(printedResume(interrupted.stderr))
    await waitForLines(out, afterInt.length + 10)
    second.child.kill('SIGKILL')
    const killed = await second.done
    expect(killed.signal).toBe('SIGKILL')

    // 3. Resume to the end.
    const last = await boundkit(...args, '--resume', '--concurrency', '8')
    expect(last.code).toBe(0)
    const written = await lines(out)
    const keys = written.map((line) => line.key as string)
    expect(new Set(keys).size).toBe(keys.length)
    expect([...keys].sort()).toEqual(Array.from({ length: RECORDS }, (_, i) => `c${i}`).sort())
    expect(written.every((line) => line.status === 200)).toBe(true)
  })

  it('records failures with their error and exits 1 with a count', async () => {
    const input = join(dir, 'invalid.jsonl')
    // The second record breaks the judge's schema: 400, not retried.
    await writeFile(input, `${JSON.stringify(conversation(1))}\n${JSON.stringify({ id: 'x' })}\n`)
    const out = join(dir, 'invalid-out.jsonl')
    const result = await boundkit(
      'batch',
      input,
      '--url',
      `${server.url}/v1/judge`,
      '--out',
      out,
      '--retries',
      '12',
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('1 of 2 records failed')
    const written = await lines(out)
    expect(written).toHaveLength(2)
    expect(written[1]).toMatchObject({ key: 2, index: 1, status: 400, attempts: 1, error: { status: 400 } })
  })

  it('skips malformed lines with --skip-bad and reports their line numbers', async () => {
    const input = join(dir, 'some-bad.jsonl')
    await writeFile(
      input,
      `${JSON.stringify(conversation(1))}\nnot json\n${JSON.stringify(conversation(2))}\n`,
    )
    const out = join(dir, 'some-bad-out.jsonl')
    const result = await boundkit(
      'batch',
      input,
      '--url',
      `${server.url}/v1/judge`,
      '--out',
      out,
      '--skip-bad',
      '--retries',
      '12',
      '--key',
      'id',
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`${input}:2: malformed JSON`)
    expect((await lines(out)).map((line) => line.key)).toEqual(['c1', 'c2'])
  })
})
