import { performance } from 'node:perf_hooks'
import { type FailedCalls, runSequence, type Task } from './calls'
import { certaintyOf, disputed } from './certainty'
import { environment } from './environment'
import { createGuard, type Guard, repeatIfRoom, repeatWithinBudget } from './guard'
import { startLoadReading } from './machine-load'
import { type Measurement, measureSample, startWindow, uncontendedMs } from './measure'
import { median, spread } from './median'
import {
  type ClassifyOptions,
  checkTask,
  type ResolvedClassifyOptions,
  resolveClassifyOptions,
} from './options'
import { functionLevel, type Probe, runProbe } from './probe'
import type { ClassifyReport, Summary } from './report'
import {
  functionKind,
  handoffDoubts,
  offloadDoubts,
  offloadNearDoubts,
  probeDoubts,
  recommend,
} from './verdict'

/**
 * Calls per sample never exceed this, however tiny the task. High enough that a call of a
 * nanosecond or two still fills `minSampleTime`: a shorter sample is read through CPU counters that some
 * kernels advance only once per scheduler tick (4 ms), which on a loaded machine could turn a
 * tiny CPU task into a reading of "mostly waiting".
 */
const maxCallsPerSample = 100_000_000

/**
 * Calls per sample so a sample lasts `minSampleTime`, from the warm-up: its time per call leaves
 * out the time the thread waited for a core, so a warm-up on a crowded machine does not shrink
 * the samples of a tiny task to a few ms once the machine frees up.
 */
export function callsPerSampleFor(warm: Measurement, minSampleTime: number): number {
  const callMs = uncontendedMs(warm) / warm.calls
  return Math.min(
    maxCallsPerSample,
    Math.max(1, Math.ceil(minSampleTime / Math.max(callMs, 1e-6 /* 1 ns */))),
  )
}

/**
 * Calls the task back to back for at least 2 calls and `minMs`, measured as one window. The clock is
 * read once per batch, and a batch doubles while it takes under 1 ms, so reading the clock does not
 * inflate the time per call of a tiny task (which sets the calls per sample).
 */
async function warmWindow(
  task: Task,
  minMs: number,
  deadline: number,
  guard: Guard,
  failed: FailedCalls,
): Promise<Measurement> {
  const stop = startWindow()
  const start = performance.now()
  let calls = 0
  let batch = 1
  for (;;) {
    const batchStart = performance.now()
    await runSequence(task, batch, guard, failed)
    calls += batch
    const now = performance.now()
    if ((calls >= 2 && now - start >= minMs) || calls >= maxCallsPerSample || now >= deadline) break
    if (now - batchStart < 1) batch *= 2
  }
  return stop(calls)
}

/**
 * Warm-up: the first calls pay for compilation and lazy set-up, so they are not kept. After one
 * call, a window of calls (at least 2, and 100 ms or `minSampleTime` if longer) is measured. V8
 * keeps compiling hot code and WebAssembly on other threads for a while after a library's first use
 * (the first `fetch` compiles its HTTP parser), which looks like CPU off the main thread: while a
 * window shows such CPU, another window follows, until the figure holds steady for two windows in
 * a row (real offloaded work) or falls below `offloadedCpu` (it was compilation), for at most 6
 * extra windows and a quarter of the time budget. Returns the last window.
 */
async function warmUp(
  task: Task,
  opts: ResolvedClassifyOptions,
  guard: Guard,
  failed: FailedCalls,
): Promise<Measurement> {
  const deadline = performance.now() + opts.timeBudget / 4
  const stopFirst = startWindow()
  await runSequence(task, 1, guard, failed)
  const first = stopFirst(1)
  if (performance.now() >= deadline) return first
  const minMs = Math.max(opts.minSampleTime, 100)
  let window = await warmWindow(task, minMs, deadline, guard, failed)
  let steady = 0
  for (let extra = 0; extra < 6 && performance.now() < deadline; extra++) {
    if (window.offMainRatio < opts.thresholds.offloadedCpu) break
    const next = await warmWindow(task, minMs, deadline, guard, failed)
    steady = next.offMainRatio >= 0.6 * window.offMainRatio ? steady + 1 : 0
    window = next
    if (steady >= 2) break
  }
  return window
}

/** The medians of the samples (and, for off-main CPU, of the probe's levels too). */
function summariseSamples(samples: Measurement[], probe: Probe): Summary {
  const calls = samples[0]!.calls
  return {
    callMs: spread(samples.map((m) => m.wallMs / calls)),
    cpuCallMs: median(samples.map((m) => m.cpuMs / calls)),
    cpuRatio: median(samples.map((m) => m.cpuRatio)),
    elu: median(samples.map((m) => m.elu)),
    busy: median(samples.map((m) => m.busy)),
    // The probe's levels count too: a burst of background compilation lands in one or two of them,
    // while CPU work that is really offloaded shows in all.
    offMainRatio: median([
      ...samples.map((m) => m.offMainRatio),
      ...probe.levels.map((l) => l.offMainRatio ?? 0),
    ]),
  }
}

/** The other threads' CPU time per call, ms, in each sample and each probe level. */
function offMainCpuPerCall(samples: readonly Measurement[], probe: Probe): number[] {
  return [
    ...samples.map((m) => m.offMainCpuMs / m.calls),
    ...probe.levels.map((l) => (l.offMainCpuMs ?? 0) / l.calls),
  ]
}

/**
 * Measures `fn` (sync or async) and says what kind of work it is and which model fits: a warm-up,
 * a concurrency probe (1, 2, 4, ... up to `maxConcurrency` within `timeBudget`), then `runs`
 * measured samples, and as many again when too few of them agree with the verdict (it is then
 * reported uncertain if they still do not). A call that fails is skipped as transient, up to 2 calls
 * or 5% of the calls made. The report is plain data (JSON-serialisable); `format(report)` prints it.
 */
export async function classify(fn: Task, options?: ClassifyOptions): Promise<ClassifyReport> {
  checkTask(fn)
  const opts = resolveClassifyOptions(options)
  const t0 = performance.now()
  const guard = createGuard(opts.timeBudget, 'timeBudget', opts.signal)
  const failed: FailedCalls = { count: 0, made: 0 }
  guard.check()

  const warm = await warmUp(fn, opts, guard, failed)
  const callsPerSample = callsPerSampleFor(warm, opts.minSampleTime)
  const cpuAtWarmUp = warm.busy >= opts.thresholds.cpuBusy

  // The probe runs first: it measures level 1 itself and warms the task further, so the samples
  // that decide the kind come after any background compilation has settled.
  const stopLoad = startLoadReading()
  const probe = await runProbe(
    functionLevel(fn, callsPerSample, guard, failed),
    {
      ...opts,
      ...opts.thresholds,
      patience: cpuAtWarmUp ? 1 : 2,
      // CPU work on one thread is expected not to scale; waiting work that does not is worth a second look.
      confirmFlat: !cpuAtWarmUp,
      // Keep time for the samples: a probe level that would eat into it is skipped.
      reserveMs: (opts.runs * warm.wallMs * callsPerSample) / warm.calls,
    },
    guard,
  )
  const probeLoad = stopLoad()

  const sample = () => measureSample(fn, callsPerSample, guard, failed)
  const readKind = (m: Measurement) => functionKind(m, opts.thresholds)
  let samples = await repeatWithinBudget(opts.runs, guard, sample)
  let summary = summariseSamples(samples, probe)
  let kind = functionKind(summary, opts.thresholds)
  if (disputed(kind, samples.map(readKind))) {
    samples = await repeatIfRoom(opts.runs, guard, sample, samples)
    summary = summariseSamples(samples, probe)
    kind = functionKind(summary, opts.thresholds)
  }

  const env = environment()
  return {
    kind,
    certainty: certaintyOf(kind, samples.map(readKind), 'samples', [
      ...probeDoubts(kind, probe, opts.thresholds, { probeLoad, cpus: env.cpus }),
      ...offloadDoubts(kind, offMainCpuPerCall(samples, probe)),
      ...handoffDoubts(kind, samples, opts.thresholds),
      ...offloadNearDoubts(kind, summary, opts.thresholds, {
        load: Math.max(env.loadAverage, probeLoad ?? 0),
        cpus: env.cpus,
      }),
    ]),
    recommendation: recommend(kind, summary, probe, opts.thresholds, env, opts.maxConcurrency),
    summary,
    callsPerSample,
    samples,
    failedCalls: failed.count,
    probe,
    thresholds: opts.thresholds,
    environment: env,
    durationMs: performance.now() - t0,
  }
}
