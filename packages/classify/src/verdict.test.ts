import { describe, expect, it } from 'vitest'
import { env, level, probe, t } from '../test/probes'
import { certaintyOf, disputed } from './certainty'
import { percentBeside } from './format'
import type { Measurement } from './measure'
import { runProbe } from './probe'
import type { Summary } from './report'
import {
  functionKind,
  handoffDoubts,
  offloadDoubts,
  offloadNearDoubts,
  probeDoubts,
  recommend,
} from './verdict'

function summary(busy: number, offMainRatio: number, callMs = 50): Summary {
  const s = { median: callMs, min: callMs, max: callMs, spread: 0 }
  return { callMs: s, cpuCallMs: callMs * busy, cpuRatio: busy + offMainRatio, elu: busy, busy, offMainRatio }
}

describe('functionKind', () => {
  it.each([
    [0.02, 0, 'io'],
    [0.95, 0, 'cpu'],
    [0.7, 0.9, 'cpu'],
    [0.05, 0.8, 'cpu-offloaded'],
    [0.45, 0.3, 'mixed'],
    [0.2, 0.01, 'mixed'],
    [0.19, 0.3, 'cpu-offloaded'],
    [0.19, 0.2, 'io'],
  ] as const)('busy %s, off-main %s -> %s', (busy, off, kind) => {
    expect(functionKind(summary(busy, off), t)).toBe(kind)
  })

  it('follows overridden thresholds', () => {
    expect(functionKind(summary(0.5, 0), { ...t, cpuBusy: 0.4 })).toBe('cpu')
    expect(functionKind(summary(0.1, 0), { ...t, mixedBusy: 0.05 })).toBe('mixed')
  })
})

describe('recommend', () => {
  it('sends I/O to the limiter at the knee of the probe, with the figures', () => {
    const r = recommend('io', summary(0.04, 0), probe([10, 20, 39, 76, 80, 81]), t, env, 32)
    expect(r.strategy).toBe('limiter')
    expect(r.concurrency).toBe(8)
    expect(r.reasons.join(' ')).toMatch(/CPU time was 4\.0% of it/)
    expect(r.reasons.join(' ')).toMatch(/Throughput grew 8\.1x from 1 to 32 concurrent runs \(knee at 8/)
  })

  it('says when throughput was still growing at the cap, and advises at least that', () => {
    const r = recommend('io', summary(0.04, 0), probe([10, 20, 40, 80], 'max-concurrency'), t, env, 8)
    expect(r).toMatchObject({ concurrency: 8, atLeast: true })
    expect(r.reasons.join(' ')).toMatch(/still growing at 8/)
    expect(r.reasons.at(-1)).toBe('Use @boundkit/limiter with concurrency at least 8.')
    const mixed = recommend('mixed', summary(0.4, 0), probe([10, 20, 40, 80], 'time-budget'), t, env, 16)
    expect(mixed).toMatchObject({ strategy: 'pipeline', concurrency: 8, atLeast: true })
  })

  it('advises the knee itself when the probe found it, wherever it stopped', () => {
    const capped = recommend(
      'io',
      summary(0.04, 0),
      probe([10, 20, 40, 78, 80], 'max-concurrency'),
      t,
      env,
      16,
    )
    expect(capped).toMatchObject({ concurrency: 8, atLeast: false })
    const flat = recommend('io', summary(0.04, 0), probe([10, 20, 40, 80, 81, 80]), t, env, 64)
    expect(flat).toMatchObject({ concurrency: 8, atLeast: false })
  })

  it('runs I/O inline when concurrency does not help', () => {
    const r = recommend('io', summary(0.04, 0), probe([10, 10.5, 10.2]), t, env, 8)
    expect(r).toMatchObject({ strategy: 'inline', concurrency: 1 })
  })

  it('sends CPU work to a pool of one worker per core', () => {
    expect(recommend('cpu', summary(1, 0), probe([10, 10]), t, env, 8)).toMatchObject({
      strategy: 'pool',
      concurrency: 4,
    })
  })

  it('keeps tiny CPU work inline', () => {
    const r = recommend('cpu', summary(1, 0, 0.02), probe([10, 10]), t, env, 8)
    expect(r).toMatchObject({ strategy: 'inline', concurrency: 1 })
    expect(r.reasons.join(' ')).toMatch(/under 1\.0 ms \(`inlineBelowMs`\)/)
  })

  it('caps offloaded work at the thread pool', () => {
    const r = recommend('cpu-offloaded', summary(0.05, 0.9), probe([10, 19, 36, 38]), t, env, 16)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 4 })
  })

  it('sends mixed work to a pipeline with a pool size', () => {
    const r = recommend('mixed', summary(0.4, 0), probe([10, 16, 19, 19.5]), t, env, 16)
    expect(r).toMatchObject({ strategy: 'pipeline', concurrency: 4, poolSize: 4 })
  })

  it('falls back to maxConcurrency when the probe had no room', () => {
    const r = recommend('io', summary(0.04, 0), probe([10], 'time-budget'), t, env, 16)
    expect(r.concurrency).toBe(16)
    expect(r.reasons.join(' ')).toMatch(/no time left/)
  })
})

describe('runProbe', () => {
  const guard = { wait: <T>(p: PromiseLike<T>) => Promise.resolve(p), check() {}, remaining: () => 1e9 }
  const settings = { maxConcurrency: 64, plateauGain: 1.15, kneeFraction: 0.9, patience: 2 }

  it('doubles until two flat levels in a row, and finds the knee', async () => {
    const curve: Record<number, number> = { 1: 10, 2: 20, 4: 40, 8: 41, 16: 40, 32: 80 }
    const p = await runProbe(
      async (c) => ({ ...level(c, curve[c]!), speedup: undefined }) as never,
      settings,
      guard,
    )
    expect(p.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8, 16])
    expect(p.knee).toBe(4)
    expect(p.stoppedBy).toBe('plateau')
  })

  it('stops after one flat level once the speedup is below half the concurrency', async () => {
    const curve: Record<number, number> = { 1: 10, 2: 16, 4: 17, 8: 40 }
    const p = await runProbe(async (c) => level(c, curve[c]!), settings, guard)
    expect(p.levels.map((l) => l.concurrency)).toEqual([1, 2, 4])
  })

  it('does not let one slow reading at level 2 cut the probe of I/O work short', async () => {
    // Level 2 read 0.8x by chance (one slow call of a task with varying latency); level 4 scales.
    const curve: Record<number, number> = { 1: 10, 2: 8, 4: 38, 8: 75, 16: 78, 32: 79 }
    const p = await runProbe(async (c) => level(c, curve[c]!), settings, guard)
    expect(p.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8, 16])
    expect(p.knee).toBe(8)
  })

  it('stops after one flat level with patience 1, and at maxConcurrency', async () => {
    const flat = await runProbe(async (c) => level(c, 10), { ...settings, patience: 1 }, guard)
    expect(flat.levels.map((l) => l.concurrency)).toEqual([1, 2])
    const capped = await runProbe(async (c) => level(c, 10 * c), { ...settings, maxConcurrency: 6 }, guard)
    expect(capped.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 6])
    expect(capped.stoppedBy).toBe('max-concurrency')
  })

  it('skips a level that would not fit in the time left', async () => {
    const tight = { ...guard, remaining: () => 150 }
    const p = await runProbe(async (c) => level(c, 10 * c), settings, tight)
    // Each level takes 100 ms; the next is assumed to take up to twice the last one.
    expect(p.levels.map((l) => l.concurrency)).toEqual([1])
    expect(p.stoppedBy).toBe('time-budget')
  })
})

describe('runProbe: a flat reading is read again before it counts', () => {
  const guard = { wait: <T>(p: PromiseLike<T>) => Promise.resolve(p), check() {}, remaining: () => 1e9 }
  const settings = {
    maxConcurrency: 16,
    plateauGain: 1.15,
    kneeFraction: 0.9,
    patience: 2,
    confirmFlat: true,
  }

  it('keeps the faster reading of each level, and goes on when a gain shows', async () => {
    // The first readings of levels 2 and 4 came while the machine was busy; read again, they scale.
    const readings: Record<number, number[]> = { 1: [10, 10], 2: [10, 20], 4: [10, 40], 8: [80], 16: [82] }
    const p = await runProbe(async (c) => level(c, readings[c]!.shift()!), settings, guard)
    expect(p.confirmed).toBe(true)
    expect(p.levels.map((l) => [l.concurrency, l.throughput])).toEqual([
      [1, 10],
      [2, 20],
      [4, 40],
      [8, 80],
      [16, 82],
    ])
    expect(p.knee).toBe(8)
  })

  it('confirms a task that does not scale, and says so', async () => {
    const p = await runProbe(async (c) => level(c, 10), settings, guard)
    expect(p.levels.map((l) => l.concurrency)).toEqual([1, 2, 4])
    expect(p.confirmed).toBe(true)
    expect(p.bestSpeedup).toBe(1)
  })

  it('leaves it unconfirmed when there is no time to read again, which makes the advice uncertain', async () => {
    let left = 500
    const tight = { ...guard, remaining: () => left }
    const p = await runProbe(
      async (c) => {
        left -= 100
        return level(c, 10)
      },
      settings,
      tight,
    )
    expect(p.confirmed).toBe(false)
    const quiet = { probeLoad: null, cpus: 4 }
    expect(probeDoubts('io', p, t, quiet)).toHaveLength(1)
    expect(probeDoubts('cpu', p, t, quiet)).toEqual([])
    expect(certaintyOf('io', ['io', 'io', 'io'], 'samples', probeDoubts('io', p, t, quiet)).certain).toBe(
      false,
    )
  })

  it('does not read again without confirmFlat (CPU work is expected not to scale on one thread)', async () => {
    const p = await runProbe(async (c) => level(c, 10), { ...settings, confirmFlat: false }, guard)
    expect(p.confirmed).toBe(null)
  })
})

describe('certainty', () => {
  it('is certain when at least 3 of 4 readings agree with the verdict', () => {
    expect(certaintyOf('io', ['io', 'io', 'io', 'mixed'], 'samples')).toEqual({
      certain: true,
      votes: { io: 3, mixed: 1 },
      doubts: [],
    })
  })

  it('is uncertain when the readings split, and says how', () => {
    expect(disputed('io', ['io', 'io', 'mixed'])).toBe(true)
    const c = certaintyOf('mixed', ['cpu', 'mixed', 'cpu', 'mixed', 'mixed', 'cpu'], 'samples')
    expect(c.certain).toBe(false)
    expect(c.votes).toEqual({ cpu: 3, mixed: 3 })
    expect(c.doubts[0]).toMatch(/^Only 3 of 6 samples read mixed on their own \(3 read cpu\)/)
  })
})

describe('percentBeside', () => {
  it('never prints a share the same as the threshold it is compared with', () => {
    expect(percentBeside(0.198, 0.2)).toBe('19.8%')
    expect(percentBeside(0.2001, 0.2)).toBe('20.01%')
    expect(percentBeside(0.5, 0.2)).toBe('50%')
    expect(percentBeside(0.2, 0.2)).toBe('20%')
  })

  it('is what the verdict sentences use', () => {
    const r = recommend('io', summary(0.198, 0), probe([10, 20, 40]), t, env, 16)
    expect(r.reasons.join(' ')).toContain('Main-thread busy time 19.8% is below 20%')
  })
})

describe('offloadDoubts: CPU of other threads that does not follow the calls', () => {
  it('doubts an offloaded verdict whose CPU per call falls as calls run at once (compilation)', () => {
    // Samples at 8 ms per call, probe levels 1, 2 and 4 at 8, 4 and 2: a steady amount per second.
    expect(offloadDoubts('cpu-offloaded', [8, 8, 8, 8, 4, 2])[0]).toMatch(
      /^CPU time off the main thread per call ranged from 2.0 ms to 8.0 ms/,
    )
  })
  it('trusts work that costs the same per call, and other verdicts', () => {
    expect(offloadDoubts('cpu-offloaded', [8.1, 7.6, 9, 8, 8.3, 7.9])).toEqual([])
    // A burst of compilation in one level alone does not move the median.
    expect(offloadDoubts('cpu-offloaded', [8, 8, 8, 40, 8, 8])).toEqual([])
    expect(offloadDoubts('io', [8, 0, 0])).toEqual([])
  })
})

describe('probeDoubts: a flat probe on a busy machine', () => {
  it('doubts the inline advice for waiting work when more threads than CPUs were ready to run during the probe', () => {
    const flat = probe([100, 104, 103])
    expect(probeDoubts('io', flat, t, { probeLoad: 9, cpus: 4 })[0]).toMatch(
      /^The probe saw no gain from running calls at once while the machine was busy \(9.0 threads ready to run on 4 CPUs\)/,
    )
    expect(probeDoubts('io', flat, t, { probeLoad: 3, cpus: 4 })).toEqual([])
    expect(probeDoubts('io', flat, t, { probeLoad: null, cpus: 4 })).toEqual([])
    expect(probeDoubts('io', probe([100, 190, 370]), t, { probeLoad: 9, cpus: 4 })).toEqual([])
    expect(probeDoubts('cpu', flat, t, { probeLoad: 9, cpus: 4 })).toEqual([])
  })
})

describe('handoffDoubts: work handed from thread to thread on a busy machine', () => {
  /** A sample with the figures that matter here (ms). */
  const sample = (
    wallMs: number,
    threadWaitMs: number,
    threadCpuMs: number,
    offMainCpuMs: number,
    offMainWaitMs: number,
  ) => ({ wallMs, threadWaitMs, threadCpuMs, offMainCpuMs, offMainWaitMs }) as Measurement

  it('doubts a waiting verdict when the other threads’ waits for a core, on the task’s path, would make it offloaded', () => {
    // Seen under load: a 16 MB cached file read in 4 MB chunks, each on whichever pool thread was
    // free. Each pool thread's share left out only its own waits and the main thread's, so the
    // samples read 12-23% off the main thread (io); with every wait out, 72-144%.
    const files = [
      sample(71.2, 4.2, 4.6, 11.9, 73.9),
      sample(346.6, 216.1, 6, 12.5, 117),
      sample(222.8, 125.1, 4.8, 8.5, 91.8),
    ]
    expect(handoffDoubts('io', files, t)[0]).toMatch(
      /^The other threads waited for a core for 91.8 ms a sample \(median\): .* CPU off the main thread would be 68% of the time/,
    )
    expect(handoffDoubts('cpu-offloaded', files, t)).toEqual([])
  })

  it('trusts waiting work whose other threads compute little, however long they wait', () => {
    // fetch, a child process and an HTTP GET under the same load: at most 15% with every wait out.
    const waits = [
      sample(87.5, 14.2, 2, 3.5, 11.1),
      sample(66.5, 9.9, 3, 5.6, 18.2),
      sample(105.1, 33.9, 3, 2.7, 20.3),
    ]
    expect(handoffDoubts('io', waits, t)).toEqual([])
    // Off Linux the waits are unknown.
    expect(handoffDoubts('io', [{ ...waits[0]!, offMainWaitMs: null }], t)).toEqual([])
  })
})

describe('offloadNearDoubts: an offloaded verdict near offloadedCpu on a busy machine', () => {
  it('doubts a share of CPU off the main thread within a quarter above offloadedCpu while the machine was busy', () => {
    // fetch from a local server read 28% off the main thread with 8 threads ready to run on 2 CPUs.
    const [doubt] = offloadNearDoubts(
      'cpu-offloaded',
      { offMainRatio: 0.28 },
      { offloadedCpu: 0.25 },
      { load: 8, cpus: 2 },
    )
    expect(doubt).toContain('CPU off the main thread, 28% of the time, lies near `offloadedCpu` (25%)')
  })

  it('trusts it on a quiet machine, far above the threshold, and for other kinds', () => {
    const t = { offloadedCpu: 0.25 }
    expect(offloadNearDoubts('cpu-offloaded', { offMainRatio: 0.28 }, t, { load: 1.5, cpus: 2 })).toEqual([])
    expect(offloadNearDoubts('cpu-offloaded', { offMainRatio: 0.6 }, t, { load: 8, cpus: 2 })).toEqual([])
    expect(offloadNearDoubts('io', { offMainRatio: 0.28 }, t, { load: 8, cpus: 2 })).toEqual([])
  })
})
