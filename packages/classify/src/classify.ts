import { performance } from 'node:perf_hooks'
import { environment } from './environment'
import { createGuard, type Guard } from './guard'
import { callTask, type Measurement, measureSample, runSequence, startWindow, type Task } from './measure'
import { checkTask, type ClassifyOptions, parseOptions } from './options'
import { functionLevel, runProbe } from './probe'
import type { ClassifyReport, Summary } from './report'
import { median, spread } from './stats'
import { functionKind, recommend } from './verdict'

/** Calls per sample never exceed this, however tiny the task. */
const maxCallsPerSample = 100_000

/**
 * Warm-up: the first calls pay for compilation and lazy set-up (and V8 compiles hot code and
 * WebAssembly on other threads for a while), so they are not kept. Calls the task back to back, at
 * least 3 times and for at least 100 ms (or `minSampleTime` if longer), but for no more than a
 * quarter of the time budget. Returns the wall time of one call and how busy the main thread was,
 * both without the first call.
 */
async function warmUp(
  task: Task,
  minSampleTime: number,
  budget: number,
  guard: Guard,
): Promise<{ callMs: number; busy: number }> {
  const start = performance.now()
  await runSequence(task, 1, guard)
  const firstMs = performance.now() - start
  if (firstMs >= budget / 4) return { callMs: firstMs, busy: 0 }
  const stop = startWindow()
  let calls = 0
  let elapsed = firstMs
  while ((calls < 2 || elapsed < Math.max(minSampleTime, 100)) && calls < maxCallsPerSample) {
    const pending = callTask(task, guard)
    if (pending) await pending
    calls++
    elapsed = performance.now() - start
    if (elapsed >= budget / 4) break
  }
  const window = stop(calls)
  return { callMs: window.wallMs / calls, busy: window.busy }
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
 * Measures `fn` (sync or async) and says what kind of work it is and which model fits: a warm-up,
 * a concurrency probe (1, 2, 4, ... up to `maxConcurrency` within `timeBudget`), then `runs`
 * measured samples. The report is plain data (JSON-serialisable); `format(report)` prints it.
 */
export async function classify(fn: Task, options?: ClassifyOptions): Promise<ClassifyReport> {
  checkTask(fn)
  const opts = parseOptions(options)
  const t0 = performance.now()
  const guard = createGuard(t0 + opts.timeBudget, opts.timeBudget, opts.signal)
  guard.check()

  const warm = await warmUp(fn, opts.minSampleTime, opts.timeBudget, guard)
  const callMs = warm.callMs
  const callsPerSample = Math.min(
    maxCallsPerSample,
    Math.max(1, Math.ceil(opts.minSampleTime / Math.max(callMs, 1e-4))),
  )

  // The probe runs first: it measures level 1 itself and warms the task further, so the samples
  // that decide the kind come after any background compilation has settled.
  const probe = await runProbe(
    functionLevel(fn, callsPerSample, guard),
    { ...opts, ...opts.thresholds, patience: warm.busy >= opts.thresholds.cpuBusy ? 1 : 2 },
    guard,
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
