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
 * Warm-up: the first calls pay for compilation and lazy set-up (and V8 compiles hot code on other
 * threads for a while), so they are not measured. Calls the task back to back, at least 3 times and
 * for at least 100 ms (or `minSampleTime` if longer), but for no more than a quarter of the time budget; returns the wall
 * time of one call, the first call left out.
 */
async function warmUp(task: Task, minSampleTime: number, budget: number, guard: Guard): Promise<number> {
  const start = performance.now()
  let firstMs = 0
  let calls = 0
  let elapsed = 0
  while ((calls < 3 || elapsed < Math.max(minSampleTime, 100)) && calls < maxCallsPerSample) {
    const pending = callTask(task, guard)
    if (pending) await pending
    calls++
    elapsed = performance.now() - start
    if (calls === 1) firstMs = elapsed
    if (elapsed >= budget / 4) break
  }
  return calls > 1 ? (elapsed - firstMs) / (calls - 1) : elapsed
}

function summarise(samples: Measurement[]): Summary {
  const calls = samples[0]!.calls
  return {
    callMs: spread(samples.map((m) => m.wallMs / calls)),
    cpuCallMs: median(samples.map((m) => m.cpuMs / calls)),
    cpuRatio: median(samples.map((m) => m.cpuRatio)),
    elu: median(samples.map((m) => m.elu)),
    busy: median(samples.map((m) => m.busy)),
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

  const callMs = await warmUp(fn, opts.minSampleTime, opts.timeBudget, guard)
  const callsPerSample = Math.min(
    maxCallsPerSample,
    Math.max(1, Math.ceil(opts.minSampleTime / Math.max(callMs, 1e-4))),
  )

  const samples: Measurement[] = []
  for (let i = 0; i < opts.runs; i++) {
    // Past the first sample, skip a run that would not fit in the time left.
    if (i > 0 && median(samples.map((m) => m.wallMs)) > guard.remaining()) break
    guard.check()
    samples.push(await measureSample(fn, callsPerSample, guard))
  }

  const summary = summarise(samples)
  const kind = functionKind(summary, opts.thresholds)
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
    { ...opts, ...opts.thresholds, patience: kind === 'cpu' ? 1 : 2 },
    guard,
  )

  const env = environment()
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
