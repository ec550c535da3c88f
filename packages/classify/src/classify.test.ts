import { rejection } from '@boundkit/internal'
import { describe, expect, it } from 'vitest'
import { callsPerSampleFor } from './classify'
import { ClassifyError, classify, format, measure } from './index'
import type { Measurement } from './measure'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
// A budget with room to spare for the tests that are not about the budget: on a busy machine a
// classification of a 10 ms timer has taken over 3 s, and one that runs out fails with ERR_TIMEOUT.
// How long a classification takes does not grow with the budget, only how far the probe may go.
const small = { runs: 2, timeBudget: 20_000, maxConcurrency: 4 }

describe('classify: bad input', () => {
  it('rejects a non-function', async () => {
    const error = await rejection<ClassifyError>(classify('not a function' as never))
    expect(error).toBeInstanceOf(ClassifyError)
    expect(error.name).toBe('ClassifyError')
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.message).toBe('Expected `fn` to be a function, got `"not a function"` (string)')
  })

  it.each([
    [{ runs: 0 }, 'Expected `runs` to be an integer >= 1 and <= 1000, got `0` (number)'],
    [
      { maxConcurrency: 1.5 },
      'Expected `maxConcurrency` to be an integer >= 1 and <= 1024, got `1.5` (number)',
    ],
    [{ timeBudget: -1 }, 'Expected `timeBudget` to be a number >= 1 (or Infinity), got `-1` (number)'],
    [{ signal: {} }, 'Expected `signal` to be an AbortSignal, got `Object` (object)'],
    [
      { thresholds: { cpuBusy: 2 } },
      'Expected `thresholds.cpuBusy` to be a number >= 0 and <= 1, got `2` (number)',
    ],
    [{ thresholds: { nope: 1 } }, /Unknown threshold `nope`/],
    [
      { thresholds: { mixedBusy: 0.9, cpuBusy: 0.5 } },
      /`thresholds.mixedBusy` \(0.9\) to be <= `thresholds.cpuBusy`/,
    ],
  ])('rejects the options %j', async (options, message) => {
    const error = await rejection(classify(() => 1, options as never))
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.message).toMatch(message)
  })

  it('reports a task that throws, with its error as cause', async () => {
    const cause = new Error('boom')
    const error = await rejection(
      classify(() => {
        throw cause
      }, small),
    )
    expect(error.code).toBe('ERR_TASK_FAILED')
    expect(error.message).toBe('The task failed: boom')
    expect(error.cause).toBe(cause)
  })

  it('skips a call that fails now and then, and says so', async () => {
    let calls = 0
    const report = await classify(async () => {
      await sleep(1)
      if (++calls === 4) throw new TypeError('fourth call failed')
    }, small)
    expect(report.failedCalls).toBe(1)
    expect(report.kind).toBe('io')
    expect(format(report)).toContain('failed:   1 call failed and was skipped')
  })

  it('fails a task whose calls keep failing, with the code of the cause in the message', async () => {
    let calls = 0
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    const error = await rejection(
      classify(async () => {
        await sleep(1)
        if (++calls >= 3) throw new Error('fetch failed', { cause: reset })
      }, small),
    )
    expect(error.code).toBe('ERR_TASK_FAILED')
    expect(error.message).toBe('The task failed: fetch failed: socket hang up (ECONNRESET)')
    expect((error.cause as Error).cause).toBe(reset)
  })

  it('gives up on a task that never settles when the time budget runs out', async () => {
    const error = await rejection(classify(() => new Promise(() => {}), { timeBudget: 200 }))
    expect(error.code).toBe('ERR_TIMEOUT')
    expect(error.message).toMatch(/within the time budget of 200 ms/)
  })

  it('stops when the signal aborts, with its reason as cause', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('enough')), 50)
    const error = await rejection(classify(() => new Promise(() => {}), { signal: controller.signal }))
    expect(error.code).toBe('ERR_ABORTED')
    expect((error.cause as Error).message).toBe('enough')
    const already = await rejection(classify(() => 1, { signal: AbortSignal.abort() }))
    expect(already.code).toBe('ERR_ABORTED')
  })
})

describe('classify: the report', () => {
  it('is plain data that survives JSON, with a readable format', async () => {
    const report = await classify(() => sleep(10), small)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
    // `runs` samples, or as many again when they split: in the test runner's process, its own work
    // (a few ms of CPU on the main thread and on others, seen under load) can make one read otherwise.
    expect([small.runs, 2 * small.runs]).toContain(report.samples.length)
    expect(report.probe.levels[0]!.concurrency).toBe(1)
    // Levels double from 1 up to maxConcurrency (how far they go depends on the measured gains;
    // the budget leaves room for level 2 at least).
    const levels = report.probe.levels.map((l) => l.concurrency)
    expect(levels.length, JSON.stringify(report.probe)).toBeGreaterThanOrEqual(2)
    expect(levels).toEqual([1, 2, 4].slice(0, levels.length))
    expect(report.thresholds.cpuBusy).toBe(0.7)
    expect(report.recommendation.reasons.length).toBeGreaterThanOrEqual(3)
    const text = format(report)
    expect(text).toContain(`kind:     ${report.kind}`)
    const { strategy, concurrency, atLeast } = report.recommendation
    expect(text).toContain(`advice:   ${strategy}, concurrency ${atLeast ? 'at least ' : ''}${concurrency}`)
    expect(text.split('\n').length).toBeGreaterThan(6)
    expect(report.certainty.votes[report.kind]).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(/^verdict: {2}(certain|UNCERTAIN): \d+ of \d+ samples read /m)
    expect(report.failedCalls).toBe(0)
  })

  it('names the options as the caller asks', async () => {
    const report = await classify(() => sleep(10), { ...small, maxConcurrency: 2 })
    const plain = format(report)
    const named = format(report, {
      optionNames: { maxConcurrency: '--max-concurrency', mixedBusy: '--mixed' },
    })
    // Which options the text names depends on what the probe saw (`maxConcurrency` only where it
    // stopped there with a gain); waiting work is always compared with `mixedBusy`.
    expect(plain).toContain('`mixedBusy`')
    expect(named).toBe(
      plain.replaceAll('`maxConcurrency`', '`--max-concurrency`').replaceAll('`mixedBusy`', '`--mixed`'),
    )
    expect(named).not.toMatch(/`(maxConcurrency|mixedBusy)`/)
  })

  it('keeps time for the samples when the task is slow for the time budget', async () => {
    const report = await classify(() => sleep(150), { timeBudget: 1500 })
    expect(report.kind).toBe('io')
    expect(report.samples.length).toBeGreaterThanOrEqual(1)
    expect(report.probe.levels.length).toBeGreaterThanOrEqual(1)
  })

  it('takes Infinity as no time budget', async () => {
    const report = await classify(() => sleep(5), { ...small, timeBudget: Number.POSITIVE_INFINITY })
    expect([small.runs, 2 * small.runs]).toContain(report.samples.length)
    expect(report.probe.stoppedBy).not.toBe('time-budget')
  })

  it('batches a tiny task so each sample lasts long enough to measure', async () => {
    const report = await classify(() => 1 + 1, { ...small, minSampleTime: 40 })
    const why = JSON.stringify({
      summary: report.summary,
      samples: report.samples,
      probe: report.probe.levels,
    })
    // Past the old cap of 100k calls and the old floor of 100 ns per call (400k calls for 40 ms),
    // which left samples of `1 + 1` at about 1 ms: too short to read through a 4 ms scheduler tick.
    expect(report.callsPerSample, why).toBeGreaterThan(400_000)
    expect(report.samples.every((s) => s.calls === report.callsPerSample)).toBe(true)
    expect(report.recommendation.strategy, why).toBe('inline')
  })

  it('applies overridden thresholds', async () => {
    const spin = () => {
      const end = performance.now() + 5
      while (performance.now() < end) {}
    }
    // No busy share reaches 1.01, and none is below 0: the rules then say "offloaded or mixed".
    const report = await classify(spin, { ...small, thresholds: { cpuBusy: 1, mixedBusy: 0 } })
    expect(report.thresholds.cpuBusy).toBe(1)
    expect(report.kind).not.toBe('io')
  })
})

describe('measure', () => {
  it('returns the raw figures of one run', async () => {
    const m = await measure(() => sleep(20))
    expect(m.calls).toBe(1)
    expect(m.wallMs).toBeGreaterThan(0)
    expect(m.cpuMs).toBeCloseTo(m.cpuUserMs + m.cpuSystemMs, 6)
    expect(m.elu).toBeGreaterThanOrEqual(0)
    expect(m.elu).toBeLessThanOrEqual(1)
    // The busy share is of the time the thread did not wait for a core: it may exceed the event
    // loop's share of wall time, never its active time.
    expect(m.busy).toBeGreaterThanOrEqual(0)
    expect(m.busy * (m.wallMs - (m.threadWaitMs ?? 0))).toBeLessThanOrEqual(m.mainActiveMs + 1e-9)
    expect(m.offMainRatio).toBeGreaterThanOrEqual(0)
  })

  it('measures a sync task without yielding', async () => {
    let sum = 0
    const m = await measure(() => {
      for (let i = 0; i < 1e5; i++) sum += i
    })
    expect(sum).toBeGreaterThan(0)
    expect(m.calls).toBe(1)
  })

  it('waits past the longest timer for a long timeout, and takes Infinity for none', async () => {
    // A timeout past 2^31-1 ms used to overflow Node's timer, which then fired after 1 ms: ERR_TIMEOUT.
    expect((await measure(() => sleep(20), { timeout: 2 ** 32 })).calls).toBe(1)
    expect((await measure(() => sleep(20), { timeout: Number.POSITIVE_INFINITY })).calls).toBe(1)
  })

  it.each([
    [null, 'Expected `options` to be an object, got `null`'],
    [{ timeout: 0 }, 'Expected `timeout` to be a number >= 1 (or Infinity), got `0` (number)'],
    [{ signal: 'stop' }, 'Expected `signal` to be an AbortSignal, got `"stop"` (string)'],
  ])('checks its options %j', async (options, message) => {
    const error = await rejection(measure(() => 1, options as never))
    expect(error.code).toBe('ERR_INVALID_OPTION')
    expect(error.message).toMatch(message)
  })

  it('fails with coded errors', async () => {
    expect((await rejection(measure(42 as never))).code).toBe('ERR_INVALID_OPTION')
    expect((await rejection(measure(() => new Promise(() => {}), { timeout: 50 }))).code).toBe('ERR_TIMEOUT')
    const failed = await rejection(measure(() => Promise.reject(new Error('no'))))
    expect(failed.code).toBe('ERR_TASK_FAILED')
    expect((failed.cause as Error).message).toBe('no')
  })
})

describe('callsPerSampleFor', () => {
  const warm = (wallMs: number, threadWaitMs: number | null, calls: number) =>
    ({ wallMs, threadWaitMs, calls }) as Measurement

  it('fills minSampleTime from the time per call', () => {
    expect(callsPerSampleFor(warm(100, 0, 1000), 50)).toBe(500)
  })

  it('leaves out the warm-up’s wait for a core', () => {
    // 100 ms of wall time, 75 of them queued: 1M calls in 25 ms on a core.
    expect(callsPerSampleFor(warm(100, 75, 1_000_000), 40)).toBe(1_600_000)
  })

  it('uses wall time where the wait is unknown, and calls at least once', () => {
    expect(callsPerSampleFor(warm(100, null, 1000), 50)).toBe(500)
    expect(callsPerSampleFor(warm(300, null, 1), 50)).toBe(1)
  })

  it('caps the calls of a task faster than the clock can tell', () => {
    expect(callsPerSampleFor(warm(1, 0, 1e9), 50)).toBe(50_000_000) // 1 ns per call at least
    expect(callsPerSampleFor(warm(1, 0, 1e9), 500)).toBe(100_000_000)
  })
})
