import { describe, expect, it } from 'vitest'
import { env, probe, t } from '../test/probes'
import {
  commandKind,
  commandShare,
  gainDoubts,
  keptCpu,
  loadDoubts,
  nearThresholdDoubts,
  recommendCommand,
  workRatio,
} from './command-verdict'
import { format } from './format'
import type { Probe } from './probe'
import type { CommandReport, CommandSummary, Startup } from './report'

const twoCpus = { ...env, cpus: 2 }
const node: Startup = { command: 'node', args: ['-e', ''], wallMs: 50, cpuMs: 40, waitMs: null }

/**
 * A probe of a command whose single run takes `runMs`, with these speedups at 1, 2, 4, ..., one run
 * a lane, and the runs of each level using `cpuPerRunMs` of CPU time each (one figure for all, or one a level).
 */
function commandProbe(
  runMs: number,
  speedups: number[],
  stoppedBy: Probe['stoppedBy'],
  cpuPerRunMs: number | number[],
): Probe {
  const p = probe(
    speedups.map((s) => (s * 1000) / runMs),
    stoppedBy,
  )
  for (const [i, level] of p.levels.entries()) {
    const cpu = typeof cpuPerRunMs === 'number' ? cpuPerRunMs : cpuPerRunMs[i]!
    level.speedup = speedups[i]!
    level.wallMs = (level.calls / level.throughput) * 1000
    level.cpuRatio = (cpu * level.calls) / level.wallMs
  }
  return p
}

/** The summary of runs of `wallMs` and `cpuRatio`, as `classifyCommand` makes it. */
function summaryOf(
  wallMs: number,
  cpuRatio: number,
  startup: Startup | null,
  p: Probe,
  cpus = 2,
): CommandSummary {
  const cpuMs = cpuRatio * wallMs
  const work = workRatio({ wallMs, cpuMs, waitMs: null }, startup)
  const kept = keptCpu(p, cpuMs)
  return {
    wallMs: { median: wallMs, min: wallMs, max: wallMs, spread: 0 },
    cpuMs,
    cpuRatio,
    busyRatio: cpuRatio,
    workCpuRatio: work,
    keptCpu: kept,
    share: commandShare({ cpuRatio, busyRatio: cpuRatio, work }, kept, t, { best: p.bestSpeedup, cpus }),
  }
}

describe('commandKind', () => {
  it('classifies by the share of a core', () => {
    const p = probe([10, 20])
    const time = (ratio: number) => ({ ratio, from: 'cpu-time' as const })
    expect(commandKind(time(0.01), p, env, t)).toBe('io')
    expect(commandKind(time(0.3), p, env, t)).toBe('mixed')
    expect(commandKind(time(0.9), p, env, t)).toBe('cpu')
    expect(commandKind(time(1.8), p, env, t)).toBe('cpu')
  })

  it('reads no command as CPU-bound whose probe gained more than the CPUs', () => {
    const p = probe([10, 20])
    expect(commandKind({ ratio: 0.54, from: 'probe' }, p, env, t)).toBe('mixed')
    expect(commandKind({ ratio: 0.1, from: 'probe' }, p, env, t)).toBe('io')
    expect(commandKind({ ratio: 1.2, from: 'probe' }, p, env, t)).toBe('cpu')
  })
})

describe('workRatio: the interpreter’s start-up does not tip the verdict', () => {
  it('takes the start-up out of both CPU time and wall time', () => {
    // `node -e "setTimeout(() => {}, 200)"`: 40 ms of CPU in 254 ms, all of it node's start-up.
    expect(40 / 254).toBeGreaterThan(t.commandIo)
    expect(workRatio({ wallMs: 254, cpuMs: 40, waitMs: null }, node)).toBe(0)
    expect(workRatio({ wallMs: 350, cpuMs: 140, waitMs: null }, node)).toBeCloseTo(100 / 300)
  })

  it('leaves out the waits for a core of the run and of the start-up', () => {
    // A busy machine: the run waited 150 ms for a core, the start-up 30 of its 80 ms.
    const startup = { ...node, wallMs: 80, waitMs: 30 }
    expect(workRatio({ wallMs: 500, cpuMs: 140, waitMs: 150 }, startup)).toBeCloseTo(100 / 300)
  })

  it('keeps the whole ratio of a run that is mostly its start-up, and needs a start-up figure', () => {
    expect(workRatio({ wallMs: 60, cpuMs: 40, waitMs: null }, node)).toBeCloseTo(40 / 60)
    expect(workRatio({ wallMs: 254, cpuMs: 40, waitMs: null }, null)).toBeNull()
    expect(workRatio({ wallMs: 254, cpuMs: null, waitMs: null }, node)).toBeNull()
  })
})

describe('keptCpu: how much of its CPU time a run kept when runs shared the cores', () => {
  it('is the CPU time per run at the best level over that of a run alone', () => {
    // 300 ms of busy-waiting: alone, 300 ms of CPU; 8 at once on 2 CPUs, 110 ms each.
    const spin = commandProbe(340, [1, 1.9, 3.5, 5.2], 'max-concurrency', [300, 250, 160, 110])
    expect(keptCpu(spin, 300)).toBeCloseTo(110 / 300)
    // Computing needs its CPU time however many run at once (a little more when they share caches).
    expect(keptCpu(commandProbe(200, [1, 1.9, 1.9], 'plateau', 210), 200)).toBe(1)
  })

  it('has no figure for a command that barely computes, or without a level past one at a time', () => {
    expect(keptCpu(commandProbe(200, [1, 2, 4, 8], 'max-concurrency', 0), 10)).toBeNull()
    expect(keptCpu(commandProbe(200, [1], 'time-budget', 200), 200)).toBeNull()
    expect(keptCpu(commandProbe(200, [1, 2], 'max-concurrency', 200), null)).toBeNull()
  })
})

describe('a command whose probe measured more gain than its CPU share allows', () => {
  // 10 fetches of a 30 ms API, then 300 ms of computing: 74% of wall time with node's start-up, and
  // 4.2x at 8 runs at once on 2 CPUs, where 74% of a core per run allows at most 2.7x: each of the
  // 8 runs used 330 ms of CPU time where one alone used 570.
  const p = commandProbe(770, [1, 1.79, 2.68, 4.21], 'max-concurrency', [570, 520, 420, 330])

  it('lets the probe decide the kind, and advises the knee', () => {
    const s = summaryOf(770, 0.74, null, p)
    expect(s.share).toEqual({ ratio: expect.closeTo(0.74 * (330 / 570)), from: 'probe' })
    const kind = commandKind(s.share, p, twoCpus, t)
    expect(kind).toBe('mixed')
    const r = recommendCommand(kind, s, null, p, t, twoCpus, 8)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 8, atLeast: true })
    expect(r.reasons.join(' ')).toContain(
      'Runs at once used 58% of the CPU time of a run alone, and throughput grew 4.2x on 2 CPUs',
    )
  })

  it('reads a command that kept little of its CPU time as not CPU-bound, whatever its share', () => {
    // 300 ms of busy-waiting on a busy machine: 8 at once kept 56% of the CPU time of one alone.
    const spin = commandProbe(340, [1, 1.7, 2.7, 3.7], 'max-concurrency', [323, 260, 220, 180])
    const s = summaryOf(340, 0.95, null, spin)
    expect(s.share).toEqual({ ratio: expect.closeTo(0.95 * (180 / 323)), from: 'probe' })
    expect(commandKind(s.share, spin, twoCpus, t)).toBe('mixed')
  })

  it('keeps the CPU share of a computing command whose run alone read more CPU time (a shared machine)', () => {
    // fib(36) on a busy machine: the runs alone read 200 ms of CPU time, 4 at once 157 ms each
    // (kept 79%), but throughput grew 1.71x on 2 CPUs, no more than a whole core per run allows.
    const disturbed = commandProbe(220, [1, 1.47, 1.71, 1.52], 'max-concurrency', [200, 180, 157, 165])
    const s = summaryOf(220, 0.91, null, disturbed)
    expect(s.keptCpu).toBeLessThan(1 / t.plateauGain)
    expect(s.share).toEqual({ ratio: 0.91, from: 'cpu-time' })
    expect(commandKind(s.share, disturbed, twoCpus, t)).toBe('cpu')
  })

  it('keeps the CPU share of a command that needs its CPU time at any concurrency', () => {
    const cpuBound = commandProbe(300, [1, 1.9, 1.95], 'plateau', [285, 290, 295])
    expect(summaryOf(300, 0.95, null, cpuBound).share).toEqual({ ratio: 0.95, from: 'cpu-time' })
    const r = recommendCommand('cpu', summaryOf(300, 0.95, null, cpuBound), null, cpuBound, t, twoCpus, 8)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 2, atLeast: false })
  })

  it('reads the share without the start-up where it is known, and says both', () => {
    const waits = commandProbe(254, [1, 2, 3.9, 7.6], 'max-concurrency', 40)
    const s = summaryOf(254, 40 / 254, node, waits)
    expect(s.share).toEqual({ ratio: 0, from: 'cpu-time-without-startup' })
    const kind = commandKind(s.share, waits, twoCpus, t)
    expect(kind).toBe('io')
    const r = recommendCommand(kind, s, node, waits, t, twoCpus, 8)
    expect(r.reasons.join(' ')).toContain(
      '`node -e ""` alone, the interpreter\'s start-up, took 40.0 ms of CPU in 50.0 ms; without it, CPU time was 0.0% of wall time.',
    )
  })
})

describe('recommendCommand', () => {
  it('advises one per core for CPU-bound commands, and the knee otherwise', () => {
    const flat = probe([10, 10])
    expect(recommendCommand('cpu', summaryOf(300, 0.95, null, flat), null, flat, t, env, 8)).toMatchObject({
      strategy: 'limiter',
      concurrency: 4,
      atLeast: false,
    })
    const knee = probe([10, 20, 40, 41])
    expect(recommendCommand('io', summaryOf(300, 0.01, null, knee), null, knee, t, env, 8)).toMatchObject({
      concurrency: 4,
      atLeast: false,
    })
  })

  it('advises at least the highest concurrency tried while throughput still grew there', () => {
    // `curl` of a 30 ms API: 7.9x at 8, 12.6x at 16, where --max-concurrency stopped the probe.
    const p = commandProbe(40, [1, 2, 3.9, 7.9, 12.6], 'max-concurrency', 0)
    const r = recommendCommand('io', summaryOf(40, 0, null, p), null, p, t, twoCpus, 16)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 16, atLeast: true })
    expect(r.reasons.at(-1)).toBe('Run the commands through @boundkit/limiter with concurrency at least 16.')
    const report = { recommendation: r } as CommandReport
    expect(format({ ...report, ...reportShell(p) })).toContain('advice:   limiter, concurrency at least 16')
  })
})

/** The rest of a command report, for `format`. */
function reportShell(p: Probe): Omit<CommandReport, 'recommendation'> {
  return {
    command: 'curl',
    args: ['-s', 'http://127.0.0.1/'],
    kind: 'io',
    certainty: { certain: true, votes: { io: 3 }, doubts: [] },
    summary: summaryOf(40, 0, null, p),
    startup: null,
    runs: [],
    failedRuns: 0,
    probe: p,
    thresholds: t,
    environment: twoCpus,
    durationMs: 1000,
  }
}

describe('loadDoubts: a command read on a busy machine', () => {
  it('doubts a mixed verdict that a fair share of a core would make CPU-bound', () => {
    // Load 8 on 4 CPUs: half a core each; 32% of CPU per wall time may be a CPU-bound command.
    const busy = { ...env, loadAverage: 8 }
    expect(loadDoubts('mixed', 0.32, busy, t)[0]).toMatch(
      /^The machine was busy \(load average 8.0 on 4 CPUs\)/,
    )
    expect(loadDoubts('io', 0.001, busy, t)).toEqual([])
    expect(loadDoubts('cpu', 0.6, busy, t)).toEqual([])
    expect(loadDoubts('mixed', 0.32, { ...env, loadAverage: 3 }, t)).toEqual([])
    expect(loadDoubts('mixed', null, busy, t)).toEqual([])
  })
})

describe('loadDoubts: the load while the runs lasted', () => {
  it('counts the threads that competed during the runs when the load average still looks quiet', () => {
    // 1-minute load average 1 (it lags), but 40 threads ready to run during the runs on 4 CPUs: a
    // tenth of a core each, so a reading of 8% CPU per wall time may be a CPU-bound command.
    expect(loadDoubts('io', 0.08, { ...env, loadAverage: 1 }, t, 40)[0]).toMatch(
      /^The machine was busy \(threads ready to run during the runs 40.0 on 4 CPUs\): .* about 10% of a core/,
    )
    expect(loadDoubts('io', 0.08, { ...env, loadAverage: 1 }, t, 4)).toEqual([])
    expect(loadDoubts('io', 0.08, { ...env, loadAverage: 1 }, t, null)).toEqual([])
  })
})

describe('nearThresholdDoubts', () => {
  const time = (ratio: number) => ({ ratio, from: 'cpu-time-without-startup' as const })

  it('doubts a share near a threshold on a busy machine', () => {
    // 55% of a core: cpu, but 10% from commandCpu (50%) with 2 CPUs and 4 threads ready to run.
    const [doubt] = nearThresholdDoubts(time(0.55), null, 4, twoCpus, t)
    expect(doubt).toContain('lies near `commandCpu` (50%)')
    expect(nearThresholdDoubts(time(0.16), null, 4, twoCpus, t)[0]).toContain('`commandIo`')
  })

  it('trusts a share near a threshold on a quiet machine, a share far from both, and one the probe decided', () => {
    expect(nearThresholdDoubts(time(0.55), null, 1.5, twoCpus, t)).toEqual([])
    expect(nearThresholdDoubts(time(0.9), null, 4, twoCpus, t)).toEqual([])
    expect(nearThresholdDoubts(time(0.3), null, 4, twoCpus, t)).toEqual([])
    expect(nearThresholdDoubts(null, null, 4, twoCpus, t)).toEqual([])
  })

  it('doubts a share the probe decided on a busy machine when the runs at once kept nearly their CPU time', () => {
    // A computing command whose runs alone read 15-35% more CPU time while the machine was busier
    // than during the probe: kept 80%, under 1 / plateauGain (87%) but near it.
    const probed = { ratio: 0.8 * 0.95, from: 'probe' as const }
    const [doubt] = nearThresholdDoubts(probed, 0.8, 4, twoCpus, t)
    expect(doubt).toContain(
      'Runs at once kept 80% of the CPU time of a run alone, near the 87% (1 / `plateauGain`)',
    )
    // Quiet, or far below: a command that spins while it waits keeps a fraction (8 runs on 2 CPUs: 25-56%).
    expect(nearThresholdDoubts(probed, 0.8, 1.5, twoCpus, t)).toEqual([])
    expect(nearThresholdDoubts({ ratio: 0.55, from: 'probe' }, 0.56, 4, twoCpus, t)).toEqual([])
    expect(nearThresholdDoubts({ ratio: 0.55, from: 'probe' }, null, 4, twoCpus, t)).toEqual([])
  })
})

describe('gainDoubts: a cpu verdict the probe contradicts on a busy machine', () => {
  const time = (ratio: number) => ({ ratio, from: 'cpu-time-without-startup' as const })

  it('doubts a cpu verdict whose throughput grew past what its share allows while the machine was busy', () => {
    // 300 ms of busy-waiting read as 95% of a core on a loaded machine, and 4.2x at 8 at once on 2 CPUs.
    const [doubt] = gainDoubts('cpu', time(0.95), { best: 4.2, cpus: 2 }, 6)
    expect(doubt).toContain(
      'Throughput grew 4.2x on 2 CPUs, more than a command using 95% of a core can (2.1x)',
    )
  })

  it('trusts it on a quiet machine, within what the share allows, and for other kinds', () => {
    expect(gainDoubts('cpu', time(0.95), { best: 4.2, cpus: 2 }, 1.5)).toEqual([])
    expect(gainDoubts('cpu', time(0.95), { best: 1.9, cpus: 2 }, 6)).toEqual([])
    expect(gainDoubts('mixed', time(0.3), { best: 7, cpus: 2 }, 6)).toEqual([])
    expect(gainDoubts('cpu', null, { best: 4.2, cpus: 2 }, 6)).toEqual([])
  })
})
