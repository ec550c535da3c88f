import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { boundkit } from './run-cli'

/** A fresh output folder, removed when the test ends. */
async function outDir(): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'boundkit-demo-test-'))
  onTestFinished(() => rm(out, { recursive: true, force: true }))
  return out
}

describe('boundkit demo --quick', () => {
  it('runs every scenario, prints the summary as JSON and writes its outputs', async () => {
    const out = await outDir()
    const result = await boundkit('demo', '--quick', '--json', '--out', out)
    expect(result.stderr).toContain('demo server at http://127.0.0.1:')
    // On a failure, the demo's own log says which scenario and item failed, and why.
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary.errors).toEqual([])
    expect(new Set(summary.scenarios.map((s: { scenario: string }) => s.scenario))).toEqual(
      new Set(['classify', 'io', 'cpu', 'shared', 'mixed']),
    )
    for (const row of summary.scenarios) {
      expect(row.failed).toBe(0)
      if (row.scenario !== 'classify') {
        expect(row.baselineMs).toBeGreaterThan(0)
        expect(row.boundkitMs).toBeGreaterThan(0)
        expect(row.speedup).toBeCloseTo(row.baselineMs / row.boundkitMs, 1)
      }
    }
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toEqual(summary)
    // Every conversation judged exactly once, in input order.
    const judged = (await readFile(join(out, 'judged.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(judged.map((line) => line.index)).toEqual(judged.map((_, i) => i))
    const io = summary.scenarios.find((s: { scenario: string }) => s.scenario === 'io')
    expect(judged.length).toBe(io.ok)
    // The same batch three ways. The naive client all at once (Promise.all, Retry-After ignored) overran
    // the server's quota: a 429 storm. Each naive request is an item's first attempt or a retry.
    const [storm, naive, limiter] = io.clients
    expect(storm.concurrency).toBeNull()
    expect(storm.rateLimited).toBeGreaterThan(0)
    for (const run of [storm, naive]) {
      expect(run.requests).toBe(run.ok + run.failed + run.retries)
      expect(run.retries).toBeGreaterThanOrEqual(run.rateLimited - run.failed)
      expect([run.cooldowns, run.cooldownMs]).toEqual([null, null])
    }
    // The naive client at the limiter's concurrency is the row's baseline.
    expect(naive.concurrency).toBe(limiter.concurrency)
    expect([io.baselineMs, io.boundkitMs]).toEqual([naive.ms, limiter.ms])
    // The limiter finished every item, with the figures of its stats(): no 503 in the demo, so each
    // cooldown began with a 429.
    expect(limiter).toMatchObject({ ok: 200, failed: 0 })
    expect(limiter.requests).toBe(limiter.ok + limiter.retries)
    expect(limiter.cooldowns).toBeLessThanOrEqual(limiter.rateLimited)
    expect(limiter.cooldownMs).toBeGreaterThanOrEqual(0)
    // The batch follows classify's advice for the same API call (or says why not: 8 when not a limiter).
    const classified = JSON.parse(await readFile(join(out, 'classify.json'), 'utf8'))
    const advice = classified[0].report.recommendation
    expect(limiter.concurrency).toBe(advice.strategy === 'limiter' ? advice.concurrency : 8)
    expect(io.model).toBe(`limiter: ${limiter.concurrency} in flight, Retry-After`)
    // The chat part of the I/O scenario (boundkit llm's code path): every custom_id once, in order, ok.
    const chat = (await readFile(join(out, 'chat-results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(chat.map((line) => line.custom_id)).toEqual(chat.map((_, i) => `chat-${i}`))
    expect(chat.length).toBe(40)
    expect(chat.every((line) => line.error === null && line.answer.verdict !== undefined)).toBe(true)
    const thumbnails = await readdir(join(out, 'thumbnails'))
    expect(thumbnails.filter((name) => name.endsWith('.png')).length).toBe(40)
    const classify = JSON.parse(await readFile(join(out, 'classify.json'), 'utf8'))
    expect(classify).toHaveLength(3)
  })

  it('classify rides out a connection reset: with --seed 6 the third request to the judge API is reset', async () => {
    const out = await outDir()
    const result = await boundkit(
      'demo',
      '--quick',
      '--scenario',
      'classify',
      '--seed',
      '6',
      '--json',
      '--out',
      out,
    )
    expect(result.code, result.stderr).toBe(0)
    const classify = JSON.parse(await readFile(join(out, 'classify.json'), 'utf8'))
    expect(classify.map((r: { error?: string }) => r.error)).toEqual([undefined, undefined, undefined])
    const bad = await boundkit('demo', '--seed', '-1')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Expected --seed to be an integer >= 0')
  })

  it('prints the readable table for one scenario', async () => {
    const out = await outDir()
    const result = await boundkit('demo', '--quick', '--scenario', 'cpu', '--out', out)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/scenario\s+model\s+baseline\s+boundkit\s+speedup\s+ok\/failed/)
    expect(result.stdout).toContain('CPU batch (fibonacci)')
    expect(result.stdout).toContain(`Outputs in ${out}`)
    expect(result.stdout).not.toContain('\u001b[')
  })
})
