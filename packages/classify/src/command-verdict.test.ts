import { describe, expect, it } from 'vitest'
import { env, probe, t } from '../test/probes'
import {
  commandKind,
  commandShare,
  loadDoubts,
  probeCpuRatio,
  recommendCommand,
  workRatio,
} from './command-verdict'
import { format } from './format'
import type { Probe } from './probe'
import type { CommandReport, CommandSummary, Startup } from './report'

const twoCpus = { ...env, cpus: 2 }
const node: Startup = { command: 'node', args: ['-e', ''], wallMs: 50, cpuMs: 40 }

/** A probe of a command whose single run takes `runMs`, with these speedups at 1, 2, 4, ... */
function commandProbe(runMs: number, speedups: number[], stoppedBy: Probe['stoppedBy']): Probe {
  return probe(
    speedups.map((s) => (s * 1000) / runMs),
    stoppedBy,
  )
}

/** The summary of runs of `wallMs` and `cpuRatio`, as `classifyCommand` makes it. */
function summaryOf(
  wallMs: number,
  cpuRatio: number,
  startup: Startup | null,
  p: Probe,
  cpus: number,
): CommandSummary {
  const work = workRatio({ wallMs, cpuMs: cpuRatio * wallMs }, startup)
  const probeRatio = probeCpuRatio(p, wallMs, cpus)
  return {
    wallMs: { median: wallMs, min: wallMs, max: wallMs, spread: 0 },
    cpuMs: cpuRatio * wallMs,
    cpuRatio,
    workCpuRatio: work,
    probeCpuRatio: probeRatio,
    share: commandShare(cpuRatio, work, probeRatio, t),
  }
}

describe('commandKind', () => {
  it('classifies by the share of a core', () => {
    const p = probe([10, 20])
    expect(commandKind(0.01, p, env, t)).toBe('io')
    expect(commandKind(0.3, p, env, t)).toBe('mixed')
    expect(commandKind(0.9, p, env, t)).toBe('cpu')
    expect(commandKind(1.8, p, env, t)).toBe('cpu')
  })
})

describe('workRatio: the interpreter’s start-up does not tip the verdict', () => {
  it('takes the start-up out of both CPU time and wall time', () => {
    // `node -e "setTimeout(() => {}, 200)"`: 40 ms of CPU in 254 ms, all of it node's start-up.
    expect(40 / 254).toBeGreaterThan(t.commandIo)
    expect(workRatio({ wallMs: 254, cpuMs: 40 }, node)).toBe(0)
    expect(workRatio({ wallMs: 350, cpuMs: 140 }, node)).toBeCloseTo(100 / 300)
  })

  it('keeps the whole ratio of a run that is mostly its start-up, and needs a start-up figure', () => {
    expect(workRatio({ wallMs: 60, cpuMs: 40 }, node)).toBeCloseTo(40 / 60)
    expect(workRatio({ wallMs: 254, cpuMs: 40 }, null)).toBeNull()
    expect(workRatio({ wallMs: 254, cpuMs: null }, node)).toBeNull()
  })
})

describe('probeCpuRatio: the most a run can compute, given the gain the probe measured', () => {
  it('is the CPUs over the best speedup', () => {
    expect(probeCpuRatio(commandProbe(770, [1, 1.79, 2.68, 4.21], 'max-concurrency'), 770, 2)).toBeCloseTo(
      2 / 4.21,
    )
  })

  it('takes the speedup over the fastest single run, so one slow first level cannot inflate it', () => {
    // Level 1 took 1000 ms, the measured runs 770 ms: 8 at once gave 4.21x over the slow reading.
    const p = commandProbe(1000, [1, 1.79, 2.68, 4.21], 'max-concurrency')
    expect(probeCpuRatio(p, 770, 2)).toBeCloseTo(2 / (4.21 * 0.77))
  })

  it('has no figure without a level past one at a time', () => {
    expect(probeCpuRatio(commandProbe(770, [1], 'time-budget'), 770, 2)).toBeNull()
  })
})

describe('a command whose probe measured more gain than its CPU share allows', () => {
  // 10 fetches of a 30 ms API, then 300 ms of computing: 74% of wall time with node's start-up, and
  // 4.2x at 8 runs at once on 2 CPUs, where 74% of a core per run allows at most 2.7x.
  const p = commandProbe(770, [1, 1.79, 2.68, 4.21], 'max-concurrency')

  it('lets the probe decide the kind, and advises the knee', () => {
    const s = summaryOf(770, 0.74, null, p, 2)
    expect(s.share).toEqual({ ratio: expect.closeTo(2 / 4.21), from: 'probe' })
    const kind = commandKind(s.share!.ratio, p, twoCpus, t)
    expect(kind).toBe('mixed')
    const r = recommendCommand(kind, s, null, p, t, twoCpus, 8)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 8, atLeast: true })
    expect(r.reasons.join(' ')).toContain(
      'The probe measured 4.2x the throughput of one run at a time, more than the 2.7x that 74% of a core per run allows on 2 CPUs',
    )
  })

  it('keeps the CPU share while the gain stays within what it allows', () => {
    // A CPU-bound command: 1.9x on 2 CPUs. A heavy one at 61%: 2.8x, within the 3.3x it allows.
    const cpuBound = commandProbe(300, [1, 1.9, 1.95], 'plateau')
    expect(summaryOf(300, 0.95, null, cpuBound, 2).share).toEqual({ ratio: 0.95, from: 'cpu-time' })
    const heavy = commandProbe(700, [1, 1.7, 2.8, 2.8], 'plateau')
    expect(summaryOf(700, 0.61, null, heavy, 2).share).toEqual({ ratio: 0.61, from: 'cpu-time' })
    const r = recommendCommand('cpu', summaryOf(300, 0.95, null, cpuBound, 2), null, cpuBound, t, twoCpus, 8)
    expect(r).toMatchObject({ strategy: 'limiter', concurrency: 2, atLeast: false })
  })

  it('reads the share without the start-up where it is known, and says both', () => {
    const waits = commandProbe(254, [1, 2, 3.9, 7.6], 'max-concurrency')
    const s = summaryOf(254, 40 / 254, node, waits, 2)
    expect(s.share).toEqual({ ratio: 0, from: 'cpu-time-without-startup' })
    const kind = commandKind(s.share!.ratio, waits, twoCpus, t)
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
    expect(recommendCommand('cpu', summaryOf(300, 0.95, null, flat, 4), null, flat, t, env, 8)).toMatchObject(
      {
        strategy: 'limiter',
        concurrency: 4,
        atLeast: false,
      },
    )
    const knee = probe([10, 20, 40, 41])
    expect(recommendCommand('io', summaryOf(300, 0.01, null, knee, 4), null, knee, t, env, 8)).toMatchObject({
      concurrency: 4,
      atLeast: false,
    })
  })

  it('advises at least the highest concurrency tried while throughput still grew there', () => {
    // `curl` of a 30 ms API: 7.9x at 8, 12.6x at 16, where --max-concurrency stopped the probe.
    const p = commandProbe(40, [1, 2, 3.9, 7.9, 12.6], 'max-concurrency')
    const r = recommendCommand('io', summaryOf(40, 0, null, p, 2), null, p, t, twoCpus, 16)
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
    summary: summaryOf(40, 0, null, p, 2),
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

  it('trusts a verdict whose probe gain rules out a CPU-bound command, load or not', () => {
    // 8 runs at once gave 6x on 4 CPUs: each run uses at most 67% of a core; 2x would allow 200%.
    const busy = { ...env, loadAverage: 8 }
    expect(loadDoubts('mixed', 0.32, busy, t, null, 4 / 6)).toHaveLength(1)
    expect(loadDoubts('mixed', 0.32, busy, t, null, 4 / 9)).toEqual([])
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
