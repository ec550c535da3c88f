import { performance } from 'node:perf_hooks'
import { environment } from './environment'
import { createGuard, type Guard } from './guard'
import { callTask, type Measurement, measureSample, type Task } from './measure'
import { checkTask, type ClassifyOptions, parseOptions } from './options'
import { functionLevel, runProbe } from './probe'
import type { ClassifyReport, Summary } from './report'
import { median, spread } from './stats'
import { functionKind, recommend } from './verdict'

/** Calls per sample never exceed this, however tiny the task. */
const maxCallsPerSample = 100_000

/**
 * Calls the task back to back for about a quarter of `minSampleTime` and returns the wall time of
 * one call; sync calls run without yielding, async ones are awaited one at a time.
 */
async function timeOneCall(task: Task, minSampleTime: number, guard: Guard): Promise<number> {
  const start = performance.now()
  const target = Math.max(minSampleTime / 4, 0.5)
  let calls = 0
  let elapsed = 0
  while (elapsed < target && calls < maxCallsPerSample) {
    const pending = callTask(task, guard)
    if (pending) await pending
    calls++
    elapsed = performance.now() - start
  }
  return elapsed / calls
}

function summarise(samples: Measurement[]): Summary {
  const calls = samples[0]!.calls
  return {
    callMs: spread(samples.map((m) => m.wallMs / calls)),
    cpuCallMs: median(samples.map((m) => m.cpuMs / calls)),
    cpuRatio: median(samples.map((m) => m.cpuRatio)),
    elu: median(samples.map((m) => m.elu)),
    offMainRatio: median(samples.map((m) => m.offMainRatio)),
  }
}

/**
 * Measures `fn` (sync or async) and says what kind of work it is and which model fits: one warm-up
 * call, `runs` measured samples, then a concurrency probe (1, 2, 4, ... up to `maxConcurrency`
 * within `timeBudget`). The report is plain data (JSON-serialisable); `format(report)` prints it.
 */
export async function classify(fn: Task, options?: ClassifyOptions): Promise<ClassifyReport> {
  checkTask(fn)
  const opts = parseOptions(options)
  const t0 = performance.now()
  const guard = createGuard(t0 + opts.timeBudget, opts.timeBudget, opts.signal)
  guard.check()

  // Warm-up: the first call pays for compilation and lazy set-up; it is timed but not kept.
  const warm = await measureSample(fn, 1, guard)
  let callsPerSample = 1
  if (warm.wallMs < opts.minSampleTime) {
    const callMs = await timeOneCall(fn, opts.minSampleTime, guard)
    callsPerSample = Math.min(maxCallsPerSample, Math.max(1, Math.ceil(opts.minSampleTime / Math.max(callMs, 1e-4))))
  }

  const samples: Measurement[] = []
  for (let i = 0; i < opts.runs; i++) {
    // Past the first sample, skip a run that would not fit in the time left.
    if (i > 0 && median(samples.map((m) => m.wallMs)) > guard.remaining()) break
    guard.check()
    samples.push(await measureSample(fn, callsPerSample, guard))
  }

  const summary = summarise(samples)
  const firstWall = median(samples.map((m) => m.wallMs))
  const probe = await runProbe(
    {
      concurrency: 1,
      calls: callsPerSample,
      wallMs: firstWall,
      throughput: (callsPerSample / Math.max(firstWall, 1e-6)) * 1000,
      elu: summary.elu,
      cpuRatio: summary.cpuRatio,
    },
    functionLevel(fn, callsPerSample, guard),
    { ...opts, ...opts.thresholds },
    guard,
  )

  const env = environment()
  const kind = functionKind(summary, opts.thresholds)
  return {
    kind,
    recommendation: recommend(kind, summary, probe, opts.thresholds, env, opts.maxConcurrency),
    summary,
    callsPerSample,
    samples,
    probe,
    thresholds: opts.thresholds,
    environment: env,
    durationMs: performance.now() - t0,
  }
}
