/**
 * `boundkit worker`: a process that takes the jobs of a queue (`batch --redis`, `llm --redis`, or any
 * boundkit producer) and runs them: `http` jobs through a local limiter with this worker's own secret
 * headers, `pool` jobs on a local pool. Stops gracefully on SIGTERM or SIGINT.
 */
import { type QueueWorker, type QueueWorkerOptions, redactUrl, startWorker } from '@boundkit/queue'
import { EXIT } from '../../errors'
import { type MetricsServer, metricsRegistry, serveMetrics } from '../../run/metrics'
import { colorEnabled, formatMs, type OutputStream, type Paint, paint } from '../../terminal'
import { WORKER_METRICS } from './metrics'
import type { WorkerSettings } from './settings'

/** Where the worker prints and which signals stop it (tests replace them). */
export interface WorkerIo {
  stdout: OutputStream
  stderr: OutputStream
  onSignal(listener: (signal: NodeJS.Signals) => void): () => void
  exit(code: number): void
}

const processIo: WorkerIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal(listener) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, listener)
    return () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, listener)
    }
  },
  exit: (code) => process.exit(code),
}

/** Plain progress lines (no TTY needed): one every so often, when something changed. */
const PROGRESS_MS = 2000

/** Plain progress lines while the worker runs (no TTY needed), when something changed; stops the timer. */
function reportProgress(worker: QueueWorker, stderr: OutputStream): () => void {
  let last = ''
  const timer = setInterval(() => {
    const s = worker.stats()
    const now = `worker: ${s.done} done, ${s.failed} failed attempts, ${s.running} running, 429 pauses: ${s.cooldowns}, token waits: ${s.tokenWaits}`
    if (now !== last) stderr.write(`${now}\n`)
    last = now
  }, PROGRESS_MS)
  timer.unref()
  return () => clearInterval(timer)
}

/** Resolves with the first SIGTERM or SIGINT; a second one exits at once. */
function firstSignal(
  worker: QueueWorker,
  io: WorkerIo,
  style: Paint,
): { signal: Promise<NodeJS.Signals>; stop(): void } {
  let stop = () => {}
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    let stopping = false
    stop = io.onSignal((received) => {
      if (stopping) {
        io.stderr.write(
          `${style.yellow('Stopped')} again: exiting now; its running jobs go back to the queue once their lock expires\n`,
        )
        io.exit(EXIT.interrupted)
        return
      }
      stopping = true
      io.stderr.write(
        `\n${style.yellow('Stopping')} (${received}): no new jobs; finishing the ${worker.stats().running} running (again to exit now)\n`,
      )
      resolve(received)
    })
  })
  return { signal, stop: () => stop() }
}

/** The summary once the worker stopped: JSON on stdout, or one line on stderr. */
function printWorkerSummary(
  worker: QueueWorker,
  settings: WorkerSettings,
  io: WorkerIo,
  ms: number,
  signal: NodeJS.Signals,
): void {
  const s = worker.stats()
  if (settings.json) {
    const summary = {
      queue: settings.redis.queue,
      completed: s.done,
      failedAttempts: s.failed,
      rateLimited: s.rateLimited,
      cooldowns: s.cooldowns,
      cooldownMs: Math.round(s.cooldownMs),
      tokenWaits: s.tokenWaits,
      tokenWaitMs: Math.round(s.tokenWaitMs),
      ms,
      signal,
    }
    io.stdout.write(`${JSON.stringify(summary)}\n`)
  } else {
    io.stderr.write(
      `worker stopped after ${formatMs(ms)}: ${s.done} jobs done, ${s.failed} failed attempts, 429 pauses: ${s.cooldowns} (${formatMs(s.cooldownMs)}), token waits: ${s.tokenWaits} (${formatMs(s.tokenWaitMs)})\n`,
    )
  }
}

/**
 * Runs a worker until SIGTERM or SIGINT, then lets its running jobs finish within --close-timeout,
 * whatever Redis does (a second signal exits at once). Resolves with the exit code: 0 after
 * SIGTERM, 130 after SIGINT (Ctrl-C); a usage error (exit 2) is thrown before connecting, an
 * unreachable Redis fails with `ERR_REDIS_UNREACHABLE`, refused credentials with `ERR_REDIS_AUTH`.
 */
export async function runWorker(settings: WorkerSettings, io: WorkerIo = processIo): Promise<number> {
  const style = paint(colorEnabled(io.stderr))
  const where = `queue '${settings.redis.queue}' at ${redactUrl(settings.redis.url)}`
  const worker = await startWorker(workerOptions(settings))
  const started = performance.now()
  const errors = reportErrors(worker, settings, io, style)
  io.stderr.write(
    `worker ${process.pid} ready: ${where}, concurrency ${settings.concurrency} (SIGTERM or Ctrl-C to stop)\n`,
  )
  const metrics = await serveWorkerMetrics(worker, settings, io)
  const stopProgress = reportProgress(worker, io.stderr)
  const signals = firstSignal(worker, io, style)
  const signal = await signals.signal
  stopProgress()
  await worker.close()
  await metrics?.close()
  signals.stop()
  printWorkerSummary(worker, settings, io, Math.round(performance.now() - started), signal)
  const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok
  // A close that ran out of time leaves BullMQ a timer or two (its blocking read's watchdog, a few
  // seconds): the grace period is over, so the process ends now rather than after them.
  if (errors.timedOut()) io.exit(code)
  return code
}

/** The queue's worker options from the command's settings. */
function workerOptions(settings: WorkerSettings): QueueWorkerOptions {
  return {
    connection: settings.redis.url,
    name: settings.redis.queue,
    concurrency: settings.concurrency,
    // Each job attempt is one request: the producer's attempts are BullMQ's retries, and a 429
    // pauses every worker of the queue.
    limiter: { concurrency: settings.concurrency, timeout: settings.timeout, retry: false },
    ...(settings.lockDuration !== undefined && { lockDuration: settings.lockDuration }),
    closeTimeout: settings.closeTimeout,
    httpHeaders: settings.headers,
    ...(settings.origins !== undefined && { httpOrigins: settings.origins }),
    workerFiles: settings.workerFiles,
    handleSignals: false,
    ...(settings.name !== undefined && { workerName: settings.name }),
  }
}

/** Prints the worker's Redis errors, and its close running out of time; says whether it did. */
function reportErrors(
  worker: QueueWorker,
  settings: WorkerSettings,
  io: WorkerIo,
  style: Paint,
): { timedOut(): boolean } {
  let timedOut = false
  worker.on('error', (error) => {
    if ((error as { code?: unknown }).code !== 'ERR_CLOSE_TIMEOUT') {
      io.stderr.write(`${style.yellow('Redis')}: ${error.message}\n`)
      return
    }
    // The grace period ran out (Redis down, or a request still unanswered).
    timedOut = true
    const running = worker.stats().running
    const why =
      running > 0
        ? `the ${running} jobs still running go back to the queue once their lock expires (--lock-duration)`
        : 'Redis did not answer'
    io.stderr.write(
      `${style.yellow('Stopped')} after --close-timeout (${formatMs(settings.closeTimeout)}): ${why}\n`,
    )
  })
  return { timedOut: () => timedOut }
}

/** `--metrics`: Prometheus' `/metrics` of this worker; a port it cannot take closes the worker and fails (exit 2). */
async function serveWorkerMetrics(
  worker: QueueWorker,
  settings: WorkerSettings,
  io: WorkerIo,
): Promise<MetricsServer | undefined> {
  if (settings.metrics === undefined) return undefined
  const status = worker.status()
  const registry = await metricsRegistry(WORKER_METRICS, () => worker.status(), {
    queue: settings.redis.queue,
    worker: status.name,
  })
  return serveMetrics(settings.metrics, registry, io.stderr).catch(async (error: unknown) => {
    await worker.close()
    throw error
  })
}
